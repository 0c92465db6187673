"""The follower: follows the event log for a set of handlers, each with a position of its own.

Read models and reactions are two kinds of handler on it (``read_models``, ``reactions``); the
kind decides how a batch is delivered (rows and position in one transaction, or jobs queued
then the position moved) and where the positions live. Everything else is here, once:

- each handler's position, state and error in the tracking table (``projections.tracking``),
  moved only by an ``UPDATE … WHERE position = :expected``, so two runners never both move it;
- batches: handlers at the same position share one reading of the log, and those with
  nothing to do in it move past it together, in one statement;
- failure isolation: a handler that fails on an event stops alone, at that event, saying which
  and why, and tries again after ``retry_seconds`` (or at once when resumed);
- the loop: background threads woken by commits and NOTIFYs, polling as well, stepping at most
  every ``gather_seconds`` under a stream of commands, with a thread of its own for each
  handler named in ``own_thread`` (one that requests wait for);
- status: position, head, lag, state, error, and when the position last moved.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, Engine, func, literal, select, update
from sqlalchemy.exc import OperationalError

from adapters.follower.batches import Batch, EventLog
from adapters.follower.handlers import (
    Deferred,
    Failure,
    Handler,
    LostRace,
    NotRebuildableError,
    error_text,
)
from adapters.follower.state import create_state_table, now
from adapters.follower.status import FollowerStatus, new_status, row_status
from adapters.follower.threads import Threads
from projections.db import for_reads
from projections.tracking import FAILED, POSITIONS_CHANNEL, REBUILDING, RUNNING, state_table

log = logging.getLogger("orion.follower")


class Follower(ABC):
    """Follows the log for handlers of one kind, whose positions live in ``engine``'s database."""

    kind: ClassVar[str]
    # Whether committed positions are announced (NOTIFY, ``on_position``): readers wait for them.
    announces: ClassVar[bool] = False
    thread_name: ClassVar[str] = "orion-follower"

    def __init__(
        self,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        engine: Engine,
        handlers: Sequence[Handler],
        batch_size: int,
        poll_interval: float,
        gather_seconds: float,
        retry_seconds: float,
        own_thread: Iterable[str] = (),
    ) -> None:
        names = [h.name for h in handlers]
        if len(set(names)) != len(names):
            raise ValueError(f"names must be unique: {names}")
        self.recorder = recorder
        self.mapper = mapper
        self.events = EventLog(recorder, mapper)
        self.engine = engine
        self._reads = for_reads(engine)
        self.handlers: dict[str, Handler] = {h.name: h for h in handlers}
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.gather_seconds = gather_seconds
        self.retry_seconds = retry_seconds
        self.own = frozenset(own_thread)
        # After a failure: honoured while the row says failed (a resume elsewhere ends it).
        self._retry_at: dict[str, float] = {}
        # After a deferral: honoured whatever the row says.
        self._backoff: dict[str, float] = {}
        # Per thread: whether the last ``run_once`` left a batch short of the head.
        self._steps = threading.local()
        self._threads = Threads(self._step_group, self.thread_name)
        self._ready = False
        # Told (name, position) after each position this process commits (when it announces).
        self.on_position: Callable[[str, int], None] | None = None

    # -- what a kind provides ------------------------------------------------------------------

    @abstractmethod
    def _create_rows(self) -> None:
        """Insert the tracking row of each handler seen for the first time."""

    @abstractmethod
    def _deliver(self, row: Any, batch: Batch) -> Failure | None:
        """Hand the batch (the handler's topics only) to the handler and move its position to
        ``batch.end``, or up to the event it failed on (returned). Raises ``LostRace`` when
        another runner moved the position, ``Deferred`` to try again later."""

    def _idle(self, row: Any, head: int) -> bool:
        return bool(row.position >= head)

    def _may_move_quietly(self, row: Any) -> bool:
        return True

    def _before_step(self, row: Any) -> None:  # noqa: B027 (a hook: most kinds need none)
        """Work of the kind's own before the live batch (dropping retired tables)."""

    def _after_step(self, row: Any) -> int:
        """Work of the kind's own after the live batch (a rebuild's batch); events read."""
        return 0

    def request_rebuild(self, name: str) -> int:
        raise NotRebuildableError(name, self.kind)

    # -- set-up --------------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the tracking table, and a row (and tables) for each handler seen first."""
        create_state_table(self.engine)
        self._create_rows()
        self._ready = True

    # -- running -------------------------------------------------------------------------------

    def run_once(self, names: Iterable[str] | None = None) -> int:
        """One step of each handler: a batch (and its kind's own work). Events handled."""
        if not self._ready:
            self.setup()
        selected = list(names or self.handlers)
        self._steps.behind = False
        try:
            # One look at the head and at every tracking row: idle handlers cost nothing more.
            head = self.events.head()
            with self._reads.connect() as conn:
                rows = {
                    r.name: r
                    for r in conn.execute(
                        select(state_table).where(state_table.c.name.in_(selected))
                    )
                }
            shared = self._shared_reads(rows.values(), head)
        except OperationalError as error:
            log.warning("%s: database error, will retry: %s", self.kind, error)
            return 0
        quiet = self._quiet(rows, shared)
        applied = 0
        for name in selected:
            row = rows.get(name)
            if row is None or name in quiet or self._idle(row, head):
                continue
            try:
                applied += self._step(row, head, shared.get(int(row.position)))
            except OperationalError as error:
                # A lost connection or a lock timeout: nothing was committed; try again later.
                log.warning("%s %s: database error, will retry: %s", self.kind, name, error)
        # After the busy ones, which the readers of this batch's commands are waiting for.
        try:
            applied += len(self._move_past(quiet))
        except OperationalError as error:
            log.warning("%s: database error, will retry: %s", self.kind, error)
        return applied

    def run_until_caught_up(self, names: Iterable[str] | None = None, timeout: float = 60) -> None:
        """Step until every named handler is at the head (or stopped by a failure)."""
        deadline = time.monotonic() + timeout
        selected = list(names or self.handlers)
        while time.monotonic() < deadline:
            applied = self.run_once(selected)
            statuses = self.statuses(selected, lag=False)
            if all(
                s.state == FAILED or (s.position >= s.head and s.state != REBUILDING)
                for s in statuses
            ):
                return
            if not applied:
                time.sleep(0.01)  # waiting for a back-off, or for other processes
        raise TimeoutError(f"{self.kind}s {selected} did not catch up in {timeout}s")

    def start(self) -> None:
        """Follow the log on background threads.

        One thread takes the handlers in turn; each one named in ``own_thread`` (a small read
        model that requests wait for, like the order numbers checkout answers with) follows on
        a thread of its own, so that its next batch never waits for the others'. (A thread for
        every handler was measured: woken by every insert, each one reads the head and its
        state, and those round trips cost the checkout benchmark half its throughput.) SQLite
        serialises writers anyway: there it is one thread for all."""
        if self._threads.running:
            return
        names = list(self.handlers)
        sqlite = self.engine.dialect.name == "sqlite"
        own = [] if sqlite else [n for n in names if n in self.own]
        groups = []
        for group in [[n] for n in own] + [[n for n in names if n not in own]]:
            if group:
                # A thread that carries a handler requests wait for never gathers (on SQLite
                # the order numbers share the one thread, and the embedded server is rarely
                # that busy).
                gather = 0.0 if any(n in self.own for n in group) else self.gather_seconds
                groups.append((group, gather, f"-{group[0]}" if group[0] in own else ""))
        self._threads.start(groups, self.poll_interval)

    def stop(self) -> None:
        self._threads.stop()

    def wake(self, *_: Any) -> None:
        """Called after a commit in this process, or on a NOTIFY: new events to read."""
        self._threads.wake()

    def run_forever(self) -> None:
        """Follow the log until ``stop`` is called (by another thread or a signal handler)."""
        self.start()
        while not self._threads.stopping.wait(1.0):
            pass
        self.stop()

    def _step_group(self, names: list[str]) -> tuple[int, bool]:
        """A background thread's step: events handled, and whether a backlog remains."""
        applied = self.run_once(names)
        return applied, getattr(self._steps, "behind", False)

    # -- status and control --------------------------------------------------------------------

    def status(self, name: str) -> FollowerStatus:
        return self.statuses([name])[0]

    def statuses(
        self, names: Iterable[str] | None = None, *, lag: bool = True
    ) -> list[FollowerStatus]:
        """Each named handler's status, from one reading of the tracking rows and the head
        (``lag=False``: without the age of the oldest pending event, which costs a read)."""
        selected = list(names or self.handlers)
        with self._reads.connect() as conn:
            # The database's clock on PostgreSQL, which swaps are timed on (``read_models``).
            clock = func.clock_timestamp() if conn.dialect.name == "postgresql" else literal(None)
            rows = {
                r.name: r
                for r in conn.execute(
                    select(state_table, clock.label("now")).where(state_table.c.name.in_(selected))
                )
            }
        head = self.events.head()
        at = now()
        ages: dict[int, float] = {}
        found = []
        for name in selected:
            row = rows.get(name)
            if row is None:
                found.append(self._describe_new(name, head))
                continue
            position = int(row.position)
            if lag and position < head and position not in ages:
                ages[position] = self.events.age_after(position, at)
            found.append(self._describe(row, head, ages.get(position, 0.0), at))
        return found

    def _describe_new(self, name: str, head: int) -> FollowerStatus:
        return new_status(name, self.kind, head)

    def _describe(self, row: Any, head: int, lag_seconds: float, at: Any) -> FollowerStatus:
        return row_status(row, self.kind, head, lag_seconds, at)

    def resume(self, name: str) -> None:
        """Try a failed handler again now, instead of after its back-off."""
        self._retry_at.pop(name, None)
        self._backoff.pop(name, None)
        with self.engine.begin() as conn:
            conn.execute(
                update(state_table)
                .where(state_table.c.name == name, state_table.c.state == FAILED)
                .values(state=RUNNING, updated_at=now())
            )
        self.wake()

    # -- one step ------------------------------------------------------------------------------

    def _shared_reads(self, rows: Iterable[Any], head: int) -> dict[int, Batch]:
        """One read of the log after each position that several running handlers share.

        Handlers usually follow the log together, at the same position: reading and decoding
        what follows once for all of them (each then takes the topics it handles) costs one
        query instead of one per handler, and decodes each event once."""
        at: dict[int, int] = {}
        for row in rows:
            if row.state == RUNNING and row.position < head and not self._deferred(row.name):
                at[int(row.position)] = at.get(int(row.position), 0) + 1
        return {
            position: self.events.read(position, self.batch_size, head)
            for position, sharing in at.items()
            if sharing > 1
        }

    def _quiet(self, rows: dict[str, Any], shared: dict[int, Batch]) -> dict[str, tuple[int, int]]:
        """Running handlers with nothing to handle in the batch after their position:
        name → (position, the batch's end). Two or more move past it together (``_move_past``);
        one alone takes the usual path."""
        moves: dict[str, tuple[int, int]] = {}
        for name, row in rows.items():
            batch = shared.get(int(row.position))
            if (
                batch is not None
                and row.state == RUNNING
                and self._may_move_quietly(row)
                and not batch.only(self.handlers[name].topics).envelopes
            ):
                moves[name] = (int(row.position), batch.end)
        return moves if len(moves) > 1 else {}

    def _move_past(self, moves: dict[str, tuple[int, int]]) -> set[str]:
        """Move quiet handlers past their batch in one transaction: one UPDATE and one
        announcement per batch they share, instead of a transaction each."""
        if not moves:
            return set()
        by_batch: dict[tuple[int, int], list[str]] = {}
        for name, span in moves.items():
            by_batch.setdefault(span, []).append(name)
        moved: dict[str, int] = {}
        with self.engine.begin() as conn:
            at = now()
            for (expected, end), names in by_batch.items():
                done = conn.execute(
                    update(state_table)
                    .where(state_table.c.name.in_(names), state_table.c.position == expected)
                    .values(position=end, updated_at=at, moved_at=at)
                    .returning(state_table.c.name)
                ).scalars()
                # (One missing was moved by another runner meanwhile: nothing to do.)
                names_moved = sorted(done)
                moved.update(dict.fromkeys(names_moved, end))
                if names_moved:
                    self.announce(conn, ",".join(names_moved), end)
        for name, end in moved.items():
            self.told(name, end)
        return set(moved)

    def _step(self, row: Any, head: int, shared: Batch | None = None) -> int:
        """One step of a handler whose tracking row and the log's head were just read (and,
        when it shares its position with others, the batch that follows it)."""
        name = row.name
        self._before_step(row)
        applied = 0
        # (At the head, the live position has nothing to read: no round trip to find that out.)
        if row.position < head and not self._waits(row):
            topics = self.handlers[name].topics
            if shared is not None:
                batch = shared.only(topics)
            else:
                batch = self.events.read(int(row.position), self.batch_size, head, topics)
            applied, reached = self._follow(row, batch)
            if applied and reached is None:
                self._steps.behind = True  # a backlog: the next step follows at once
        return applied + self._after_step(row)

    def _follow(self, row: Any, batch: Batch) -> tuple[int, int | None]:
        """Deliver the batch after the handler's position. Returns the number of events read
        (at least 1 when the position moved) and the new position when that batch reached the
        head of the log as it was when read (else None)."""
        name = row.name
        if batch.end == int(row.position):
            return 0, int(row.position)
        try:
            failure = self._deliver(row, batch)
        except LostRace:
            return 0, None
        except Deferred as why:
            log.warning("%s %s: %s; will retry", self.kind, name, why)
            self._backoff[name] = time.monotonic() + self.retry_seconds
            return 0, None
        if failure is not None:
            self._fail(name, failure)
            return 0, None
        self._retry_at.pop(name, None)
        self._backoff.pop(name, None)
        return max(len(batch.envelopes), 1), (batch.end if batch.reached_head else None)

    def _waits(self, row: Any) -> bool:
        waits_after_failure = row.state == FAILED and time.monotonic() < self._retry_at.get(
            row.name, 0.0
        )
        return waits_after_failure or self._deferred(row.name)

    def _deferred(self, name: str) -> bool:
        return bool(self._backoff) and time.monotonic() < self._backoff.get(name, 0.0)

    def _fail(self, name: str, failure: Failure) -> None:
        """Stop the handler at the event it failed on, saying which and why."""
        event, error = failure.envelope, failure.error
        detail = error_text(error)
        log.error(
            "%s %s stopped at event %s (%s): %s",
            self.kind,
            name,
            event.position,
            event.topic,
            detail,
            exc_info=error,
        )
        self._retry_at[name] = time.monotonic() + self.retry_seconds
        with self.engine.begin() as conn:
            conn.execute(
                update(state_table)
                .where(state_table.c.name == name)
                .values(
                    state=FAILED,
                    error=detail[:2000],
                    error_position=event.position,
                    error_topic=event.topic,
                    failed_at=now(),
                    updated_at=now(),
                )
            )

    # -- moving a position ---------------------------------------------------------------------

    @staticmethod
    def _moved_values(position: int) -> dict[str, Any]:
        """A live position moved by a delivered batch: running, whatever stopped it is over."""
        at = now()
        return {
            "position": position,
            "moved_at": at,
            "updated_at": at,
            "state": RUNNING,
            "error": None,
            "error_position": None,
            "error_topic": None,
        }

    def _move(self, name: str, expected: int, new: int) -> None:
        """Move the position from ``expected`` to ``new`` (``LostRace`` if it had moved)."""
        if new == expected:
            return
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(state_table)
                .where(state_table.c.name == name, state_table.c.position == expected)
                .values(**self._moved_values(new))
            ).rowcount
            if moved == 1:
                self.announce(conn, name, new)
        if moved != 1:
            log.info("%s %s: position moved by another runner", self.kind, name)
            raise LostRace
        self.told(name, new)

    def announce(self, conn: Connection, names: str, position: int) -> None:
        """Sent at commit: API processes waiting for this position wake without polling."""
        if self.announces and conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_notify(POSITIONS_CHANNEL, f"{names}:{position}")))

    def told(self, name: str, position: int) -> None:
        if self.announces and self.on_position is not None:
            self.on_position(name, position)
