"""Reactions on the follower: the jobs they ask for are queued, then the position moves.

This is a transactional outbox whose outbox is the event log itself: a command's events are
committed before any job exists, and a reaction's position moves only after the jobs of its
batch are queued. A crash in between queues those jobs again on restart (at-least-once), with
the same deterministic job ids; RQ refuses a job id it already holds, and ``send_mail`` claims a
dedupe key, so a mail goes out once. The in-process queue (embedded default) keeps jobs in
memory only, so there the position moves on once the jobs have run.

A reaction seen for the first time starts at the head of the log: deploying one on an old log
must not send years of mails. Positions live with the log, in the event database's tracking
table, whatever database the read models use.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, inspect, select
from sqlalchemy.exc import IntegrityError

from adapters.follower.batches import Batch, Undecodable
from adapters.follower.handlers import Deferred, Failure
from adapters.follower.loop import Follower
from adapters.follower.state import now
from adapters.queue import InlineJobQueue, JobQueue
from application.reactions import Job, Reaction, gather_mails
from projections.tracking import REACTION, RUNNING, state_table

log = logging.getLogger("orion.reactions")

FAILED_RETRY_SECONDS = 5.0
# The shortest time between two steps of the background loop (see ``Follower._loop``): a mail
# a moment later is the same mail, and a step that finds many events queues them at once.
GATHER_SECONDS = 0.25

# Where reactions kept their positions before they shared the tracking table: carried over
# once, at set-up, then dropped.
_former = Table(
    "orion_reactions",
    MetaData(),
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class ReactionFollower(Follower):
    kind = REACTION
    thread_name = "orion-reactions"

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
        retry_seconds: float = FAILED_RETRY_SECONDS,
        inline_timeout: float = 60.0,
    ) -> None:
        super().__init__(
            recorder=recorder,
            mapper=mapper,
            engine=engine,
            handlers=reactions,
            batch_size=batch_size,
            poll_interval=poll_interval,
            gather_seconds=gather_seconds,
            retry_seconds=retry_seconds,
        )
        self.queue = queue
        self.reactions: dict[str, Reaction] = {r.name: r for r in reactions}
        self.inline_timeout = inline_timeout

    # -- set-up --------------------------------------------------------------------------------

    def _create_rows(self) -> None:
        """A reaction seen for the first time starts at the current head (or where the former
        table had it)."""
        head = self.events.head()
        former = self._former_positions()
        for name in self.reactions:
            try:
                with self.engine.begin() as conn:
                    found = conn.execute(
                        select(state_table.c.kind).where(state_table.c.name == name)
                    ).first()
                    if found is None:
                        conn.execute(
                            state_table.insert().values(
                                name=name,
                                kind=REACTION,
                                generation=0,
                                position=(former or {}).get(name, head),
                                state=RUNNING,
                                updated_at=now(),
                            )
                        )
                    elif found.kind != REACTION:
                        raise ValueError(f"reaction {name!r}: the name is a {found.kind}'s")
            except IntegrityError:
                pass  # another process inserted it first, at its own idea of the head
        if former is not None:
            with self.engine.begin() as conn:
                _former.drop(conn, checkfirst=True)

    def _former_positions(self) -> dict[str, int] | None:
        """The positions of the former table (None when there is none)."""
        if not inspect(self.engine).has_table(_former.name):
            return None
        with self.engine.connect() as conn:
            return {r.name: int(r.position) for r in conn.execute(select(_former))}

    def positions(self) -> dict[str, int]:
        """Each reaction's position."""
        with self._reads.connect() as conn:
            rows = conn.execute(
                select(state_table.c.name, state_table.c.position).where(
                    state_table.c.name.in_(list(self.reactions))
                )
            )
            return {r.name: int(r.position) for r in rows}

    # -- delivering a batch --------------------------------------------------------------------

    def _deliver(self, row: Any, batch: Batch) -> Failure | None:
        name, position = row.name, int(row.position)
        reaction = self.reactions[name]
        jobs: list[Job] = []
        done, failure = position, None
        for envelope in batch.envelopes:
            try:
                if isinstance(envelope.event, Undecodable):
                    raise envelope.event.error
                made = reaction.react(envelope.position, envelope.event)
            except Exception as error:
                # Stop this reaction before the event (the others carry on) and try it again
                # later. (The event's data is not logged: it may hold personal data.)
                failure = Failure(envelope, error)
                break
            jobs.extend(
                replace(job, job_id=job.job_id or f"{name}-{envelope.position}-{i}")
                for i, job in enumerate(made)
            )
            done = envelope.position
        if failure is None:
            done = batch.end
        # The step's jobs are queued together, then the position moves once: a crash in between
        # queues them again with the same ids (RQ keeps one of each, mails claim their keys).
        try:
            for job in gather_mails(jobs):
                self.queue.enqueue(job.func, *job.args, job_id=job.job_id, timeout=job.timeout)
        except Exception as error:
            raise Deferred(f"jobs not queued ({error!r})") from error
        if jobs and not self._settled():
            raise Deferred(f"jobs of events up to {done} still running")
        self._move(name, position, done)
        return failure

    def _settled(self) -> bool:
        """Whether the queued jobs are safe from a crash of this process.

        RQ keeps them in Redis. The in-process queue keeps them in memory only: the position
        must not move past an event before its jobs have run (or given up), or a crash would
        lose them. Queued again after a timeout, they keep their ids and are not run twice.
        """
        if isinstance(self.queue, InlineJobQueue):
            return self.queue.drain(timeout=self.inline_timeout)
        return True
