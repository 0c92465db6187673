"""The reaction runner: follows the event log and queues the jobs reactions ask for.

This is a transactional outbox whose outbox is the event log itself: a command's events are
committed before any job exists, and each reaction keeps its position in ``orion_reactions``,
advanced only after the jobs are queued. A crash in between queues those jobs again on restart
(at-least-once), with the same deterministic job ids; RQ refuses a job id it already holds, and
``send_mail`` claims a dedupe key, so a mail goes out once. The in-process queue (embedded
default) keeps jobs in memory only, so there the position moves on once the jobs have run.

A reaction seen for the first time starts at the head of the log: deploying one on an old log
must not send years of mails.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import BigInteger, Column, DateTime, Engine, MetaData, String, Table, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from adapters.queue import InlineJobQueue, JobQueue
from application.reactions import Job, Reaction, gather_mails
from projections.db import for_reads

log = logging.getLogger("orion.reactions")

FAILED_RETRY_SECONDS = 5.0
# The shortest time between two steps of the background loop (see ``_loop``).
GATHER_SECONDS = 0.25

reactions_metadata = MetaData()
reactions_table = Table(
    "orion_reactions",
    reactions_metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)


class ReactionRunner:
    def __init__(
        self,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        engine: Engine,
        queue: JobQueue,
        reactions: Sequence[Reaction],
        batch_size: int = 500,
        poll_interval: float = 0.2,
        gather_seconds: float = GATHER_SECONDS,
        inline_timeout: float = 60.0,
    ) -> None:
        names = [r.name for r in reactions]
        if len(set(names)) != len(names):
            raise ValueError(f"reaction names must be unique: {names}")
        self.recorder = recorder
        self.mapper = mapper
        self.engine = engine
        self._reads = for_reads(engine)
        self.queue = queue
        self.reactions = {r.name: r for r in reactions}
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.gather_seconds = gather_seconds
        self.inline_timeout = inline_timeout
        self._retry_at: dict[str, float] = {}
        self._ready = False
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- set-up --------------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the table; a reaction seen for the first time starts at the current head."""
        reactions_metadata.create_all(self.engine, checkfirst=True)
        head = self.recorder.max_notification_id() or 0
        for name in self.reactions:
            try:
                with self.engine.begin() as conn:
                    exists = conn.execute(
                        select(reactions_table.c.name).where(reactions_table.c.name == name)
                    ).first()
                    if exists is None:
                        conn.execute(
                            reactions_table.insert().values(
                                name=name, position=head, updated_at=_now()
                            )
                        )
            except IntegrityError:
                pass  # another process inserted it first, at its own idea of the head
        self._ready = True

    def positions(self) -> dict[str, int]:
        with self._reads.connect() as conn:
            rows = conn.execute(select(reactions_table.c.name, reactions_table.c.position))
            return {r.name: int(r.position) for r in rows if r.name in self.reactions}

    # -- running -------------------------------------------------------------------------------

    def run_once(self) -> int:
        """One batch of each reaction that is behind. Returns the number of events read."""
        if not self._ready:
            self.setup()
        try:
            head = self.recorder.max_notification_id() or 0
            positions = self.positions()
        except OperationalError as error:
            log.warning("reactions: database error, will retry: %s", error)
            return 0
        read = 0
        for name, position in positions.items():
            if position >= head or time.monotonic() < self._retry_at.get(name, 0.0):
                continue
            try:
                read += self._step(self.reactions[name], position, head)
            except OperationalError as error:
                log.warning("reaction %s: database error, will retry: %s", name, error)
        return read

    def run_until_caught_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run_once()
            head = self.recorder.max_notification_id() or 0
            if all(p >= head for p in self.positions().values()):
                return
            time.sleep(0.01)
        raise TimeoutError(f"reactions did not catch up in {timeout}s")

    def start(self) -> None:
        """Follow the log on a background thread."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="orion-reactions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wake(self, *_: Any) -> None:
        """Called after a commit in this process, or on a NOTIFY: new events to read."""
        self._wakeup.set()

    def run_forever(self) -> None:
        self._loop()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                read = self.run_once()
            except Exception:  # a bug in the runner itself: log it and keep following
                log.exception("reaction runner step failed")
                read = 0
            if read == 0:
                # Poll as well as waiting for a wake-up, so a lost notification cannot stall us.
                self._wakeup.wait(self.poll_interval)
                self._wakeup.clear()
            elif read < self.batch_size:
                # Steps at most every ``gather_seconds``: a mail a moment later is the same
                # mail, and a step that finds many events queues and records them at once.
                # After a quiet spell the next event is taken at once.
                self._stopping.wait(max(0.0, started + self.gather_seconds - time.monotonic()))

    # -- one step ------------------------------------------------------------------------------

    def _step(self, reaction: Reaction, position: int, head: int) -> int:
        notifications = self.recorder.select_notifications(
            position + 1, self.batch_size, stop=head, topics=reaction.topics
        )
        jobs: list[Job] = []
        done = position
        failed = False
        for notification in notifications:
            try:
                event = self.mapper.to_domain_event(notification)
                made = reaction.react(notification.id, event)
            except Exception:
                # Stop this reaction before the event (the others carry on) and try it again
                # later. The event's data is not logged: it may hold personal data.
                log.exception(
                    "reaction %s failed at event %s (%s); will retry",
                    reaction.name,
                    notification.id,
                    notification.topic,
                )
                failed = True
                break
            jobs.extend(
                replace(job, job_id=job.job_id or f"{reaction.name}-{notification.id}-{i}")
                for i, job in enumerate(made)
            )
            done = notification.id
        # With a topic filter, a short batch means nothing else up to the head concerns us.
        if not failed and len(notifications) < self.batch_size:
            done = head
        # The step's jobs are queued together, then the position moves once: a crash in between
        # queues them again with the same ids (RQ keeps one of each, mails claim their keys).
        try:
            for job in gather_mails(jobs):
                self.queue.enqueue(job.func, *job.args, job_id=job.job_id, timeout=job.timeout)
        except Exception:
            log.exception("reaction %s: jobs not queued; will retry", reaction.name)
            self._retry_at[reaction.name] = time.monotonic() + FAILED_RETRY_SECONDS
            return 0
        if jobs and not self._settled():
            log.warning(
                "reaction %s: jobs of events up to %s still running; will look again",
                reaction.name,
                done,
            )
            self._retry_at[reaction.name] = time.monotonic() + FAILED_RETRY_SECONDS
            return 0
        self._advance(reaction.name, position, done)
        if failed:
            self._retry_at[reaction.name] = time.monotonic() + FAILED_RETRY_SECONDS
        else:
            self._retry_at.pop(reaction.name, None)
        return max(len(notifications), 1)

    def _settled(self) -> bool:
        """Whether the queued jobs are safe from a crash of this process.

        RQ keeps them in Redis. The in-process queue keeps them in memory only: the position
        must not move past an event before its jobs have run (or given up), or a crash would
        lose them. Queued again after a timeout, they keep their ids and are not run twice.
        """
        if isinstance(self.queue, InlineJobQueue):
            return self.queue.drain(timeout=self.inline_timeout)
        return True

    def _advance(self, name: str, expected: int, new: int) -> int:
        """Move the position from ``expected`` to ``new``; returns ``new``."""
        if new == expected:
            return new
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(reactions_table)
                .where(reactions_table.c.name == name, reactions_table.c.position == expected)
                .values(position=new, updated_at=_now())
            ).rowcount
        if moved != 1:
            # Another runner moved it: it queued the same jobs, with the same ids.
            log.info("reaction %s: position moved by another runner", name)
        return new


def _now() -> datetime:
    return datetime.now(UTC)
