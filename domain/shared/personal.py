"""Personal data in the event log: sealed per person, so that destroying one key erases them.

Events never carry a person's name, e-mail, phone, addresses or password hash in clear: the
application seals them with the person's own key before the aggregate sees them, and aggregates
keep and record the sealed text only. The keys live outside the event log; destroying a
person's key (crypto-shredding) leaves their events in place, replayable, but unreadable.

Erasure holds at once everywhere: once ``destroy`` returned, ``open`` in any process answers
None for that person, whatever keys it keeps in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

ERASED = "[erased]"


class PersonalData(Protocol):
    """Seals and opens one person's data with that person's key (the subject)."""

    def seal(self, subject: UUID, data: dict[str, Any]) -> str: ...

    def open(self, subject: UUID, sealed: str | None) -> dict[str, Any] | None:
        """The data, or None once the subject's key was destroyed (erased), by any process."""
        ...

    def destroy(self, subject: UUID) -> None: ...

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """A hint: the data of these subjects is about to be opened (one read, not many)."""
        ...
