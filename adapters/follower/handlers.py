"""What the follower and its kinds of handler deal in: a handler, a failure, and the outcomes of
delivering a batch other than success."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Protocol

from domain.shared.errors import ConflictError
from projections.base import EventEnvelope


class Handler(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Failure:
    """The event a handler failed on, and why."""

    envelope: EventEnvelope
    error: BaseException


class LostRace(Exception):
    """Another runner moved the position first; nothing of ours was kept."""


class Deferred(Exception):
    """The batch could not be delivered now (the job queue is away, say): nothing moved, and the
    handler tries again after its back-off."""


class NotRebuildableError(ConflictError):
    code = "not_rebuildable"

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(
            f"{name!r} is a {kind.replace('_', ' ')}: it has no tables to rebuild", follower=name
        )


def error_text(error: BaseException) -> str:
    """An error in one line or a few: its type and message, without the traceback."""
    return "".join(traceback.format_exception_only(type(error), error)).strip()
