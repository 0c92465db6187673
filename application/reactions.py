"""Reactions: work that follows from events (send a mail, render a PDF), queued as jobs.

A reaction reads the event log after the fact, like a projection, instead of being called by
the command: an acknowledged command's events are saved, so a crash between the save and the
enqueue cannot lose the job: the follower (``adapters.follower``) enqueues it on restart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

SEND_MAIL = "workers.mail.send_mail"
SEND_MAILS = "workers.mail.send_mails"
# A gathered mail job holds at most this many mails, and may run this long per mail (an SMTP
# relay's connect, TLS, login and send, each with its own 15 s socket timeout, at worst).
MAILS_PER_JOB = 20
SECONDS_PER_MAIL = 60


@dataclass(frozen=True)
class Job:
    func: str  # a dotted path: "workers.mail.send_mail"
    args: tuple[Any, ...] = ()
    # None: the runner derives one from the reaction, the position and the job's index.
    job_id: str | None = None
    # Seconds the job may run; None: the queue's default (RQ's is 180).
    timeout: int | None = None


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


def gather_mails(jobs: Sequence[Job], per_job: int = MAILS_PER_JOB) -> list[Job]:
    """The same jobs, with the mails among them gathered into ``send_mails`` jobs.

    A queued job has a fixed cost (RQ spends about ten Redis round trips and a few ms of
    worker CPU on each, whatever it does); under load a reaction step sees many orders at
    once, and their confirmations go out as one job per ``per_job`` mails. Every job must
    carry its id. A gathered job is named after its first mail's job id and its count, so
    the same step queued again (after a crash) gives the same ids; a different split after
    a restart is harmless, since every mail still claims its own dedupe key. Its time limit
    grows with its mails (``SECONDS_PER_MAIL`` each).

    Workers must know ``send_mails`` before the reactions that queue it run: deploy them
    first.
    """
    mails = [job for job in jobs if job.func == SEND_MAIL]
    if len(mails) < 2:
        return list(jobs)
    gathered: list[Job] = []
    for start in range(0, len(mails), per_job):
        chunk = mails[start : start + per_job]
        if len(chunk) == 1:
            gathered.append(chunk[0])
            continue
        first = chunk[0].job_id
        if first is None:
            raise ValueError("gather_mails needs jobs with their ids")
        gathered.append(
            Job(
                SEND_MAILS,
                ([list(job.args) for job in chunk],),
                f"{first}-{len(chunk)}",
                timeout=SECONDS_PER_MAIL * len(chunk),
            )
        )
    return [job for job in jobs if job.func != SEND_MAIL] + gathered
