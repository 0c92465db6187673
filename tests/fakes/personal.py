"""An in-memory ``PersonalData``: a key per subject in a dict, and a record of every subject it
sealed for and every value it was asked to open, so that a test can say that nothing of a
person was sealed or opened at all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import orjson

from domain.shared.personal import PersonalData

PREFIX = "fake."


class FakePersonalData:
    """Seals by tagging with the subject (no cryptography: the tests read behaviour, not
    ciphers). ``stale`` keeps opening what was destroyed, as a process whose key cache missed
    the erasure would: what must hold then is that nobody asks."""

    def __init__(self, *, stale: bool = False) -> None:
        self.stale = stale
        self.destroyed: set[UUID] = set()
        self.sealed: list[UUID] = []
        self.opened: list[UUID] = []

    def seal(self, subject: UUID, data: dict[str, Any]) -> str:
        self.sealed.append(subject)
        if subject in self.destroyed:
            raise ValueError(f"the personal data of {subject} was erased")
        return PREFIX + subject.hex + "." + orjson.dumps(data).decode()

    def open(self, subject: UUID, sealed: str | None) -> dict[str, Any] | None:
        self.opened.append(subject)
        if not sealed or (subject in self.destroyed and not self.stale):
            return None
        owner, _, data = sealed.removeprefix(PREFIX).partition(".")
        if owner != subject.hex:
            return None
        opened: dict[str, Any] = orjson.loads(data)
        return opened

    def destroy(self, subject: UUID) -> None:
        self.destroyed.add(subject)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        return None


_check: PersonalData = FakePersonalData()
