"""Reactions: work that follows from events (send a mail, render a PDF), queued as jobs.

A reaction reads the event log after the fact, like a projection, instead of being called by
the command: an acknowledged command's events are saved, so a crash between the save and the
enqueue cannot lose the job; the runner (``interfaces.reactions``) enqueues it on restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SEND_MAIL = "workers.mail.send_mail"


@dataclass(frozen=True)
class Job:
    func: str  # a dotted path: "workers.mail.send_mail"
    args: tuple[Any, ...] = ()
    # None: the runner derives one from the reaction, the position and the job's index.
    job_id: str | None = None


@dataclass(frozen=True)
class Reaction:
    name: str
    # Event topics ("module:QualName") it reacts to; empty means every event.
    topics: tuple[str, ...]
    # (position of the event in the log, the event) -> the jobs to queue; must not write.
    react: Callable[[int, Any], list[Job]]


def mail_job(kind: str, ref: dict[str, Any], dedupe_key: str, job_id: str | None = None) -> Job:
    """A ``send_mail`` job. ``ref`` holds ids only: job arguments end up in Redis."""
    for name, value in ref.items():
        if not isinstance(value, str | int | bool | None):
            raise TypeError(f"mail ref {name!r} must be an id (str or int), not {type(value)}")
        if isinstance(value, str) and "@" in value:
            raise ValueError(f"mail ref {name!r} looks like an address: pass an id instead")
    return Job(SEND_MAIL, (kind, dict(ref), dedupe_key), job_id)
