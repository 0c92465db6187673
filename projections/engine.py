"""The projection engine: feeds read models from the event log, exactly once, in batches.

Each projection's rows and its tracking position are committed in one transaction, guarded by the
position it started from (``UPDATE … WHERE position = :expected``): a crash loses nothing and
repeats nothing, and two runners of one projection can never both apply a batch.

Rebuild writes a fresh generation of the projection's tables (``<table>_g<N>``) from position 0
while the live generation keeps serving queries and following the log; when the new generation
has caught up, one transaction swaps it in, and the old tables are dropped after a grace period.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

from domain.shared.events import event_metadata
from projections.db import for_reads
from projections.writer import Writer

log = logging.getLogger("orion.projections")

RUNNING, REBUILDING, FAILED = "running", "rebuilding", "failed"
# How long a process's queries may go on reading a generation after another one is swapped in
# (``TableRegistry``). A rebuild is reported done only once that long has passed since its swap
# (and a little more, for the swap's own commit): by then every process reads the new tables.
LIVE_GENERATION_SECONDS = 1.0
SWAP_SETTLE_SECONDS = LIVE_GENERATION_SECONDS + 0.25
RETIRED_GRACE_SECONDS = 10.0
# PostgreSQL channel on which a live batch's commit announces "<projection>:<position>" (or
# "<projection>,<projection>…:<position>" for quiet projections moved together), and a swap
# "<projection>@<generation>:<position>".
POSITIONS_CHANNEL = "orion_projections"
FAILED_RETRY_SECONDS = 30.0
# The shortest time between two steps of the shared projector thread (see ``_loop``).
GATHER_SECONDS = 0.02

state_metadata = MetaData()
state_table = Table(
    "orion_projections",
    state_metadata,
    Column("name", String(64), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("error", Text),
    Column("error_position", BigInteger),
    Column("error_topic", String(255)),
    Column("failed_at", DateTime(timezone=True)),
    Column("rebuild_generation", Integer),
    Column("rebuild_position", BigInteger),
    Column("rebuild_started_at", DateTime(timezone=True)),
    Column("rebuild_error", Text),
    Column("retired_generation", Integer),
    Column("retired_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)


class EventEnvelope(NamedTuple):
    """A decoded event with where it stands in the log and the metadata of its command.

    (A named tuple: a rebuild makes one per event, and a frozen dataclass is slower to make.)"""

    position: int
    topic: str
    event: Any
    meta: dict[str, Any]

    @property
    def event_type(self) -> str:
        return self.topic.split(":", 1)[-1]


# Objects allocated and still alive since the last collection (the collector's own count) above
# which a paused collector collects the young generations: a few batches' worth.
YOUNG_OBJECTS_TO_COLLECT = 100_000


class _PausedCollector:
    """Pauses Python's cyclic garbage collector while batches are decoded and applied.

    A batch keeps thousands of new objects (events, rows) alive at once, and the collector,
    triggered by allocations, would walk them (and the whole heap, for its oldest generation)
    again and again: measured, a third of a rebuild's CPU. Reference counting still frees them
    once the batch is done; what the pause delays is only the collection of reference cycles,
    done between batches instead (``collect_young``). Shared by every engine and thread of the
    process, since the collector is process-wide."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()

    @staticmethod
    def collect_young() -> None:
        """Collect the cycles that the youngest generations hold (not the whole heap), once
        enough objects outlived their batch for some to be cycles. Batches make next to no
        cycles (measured: none in a rebuild of the audit log), and a collection per batch
        walked the read-ahead's batch, alive, for 14 ms each time."""
        if gc.get_count()[0] > YOUNG_OBJECTS_TO_COLLECT:
            gc.collect(1)


_gc_paused = _PausedCollector()


class Projection:
    """A read model: a name, the topics it handles, its tables, and a handler per event."""

    name: str = ""
    # Event topics this projection reads; empty means every event (the audit log).
    topics: tuple[str, ...] = ()

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        raise NotImplementedError

    def create_extras(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        """Dialect-specific objects beside the tables (generated columns, triggers)."""

    def create_extra_indexes(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        """Dialect-specific indexes; a rebuild creates them after its bulk load, not before."""

    def drop_extras(self, conn: Connection, suffix: str) -> None:
        """Drop what ``create_extras`` made."""

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        """Load, in a few queries, the rows the batch's handlers will read (optional)."""

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        raise NotImplementedError

    def finish(self, w: Writer) -> None:
        """Called once per batch after the last ``handle``, before the rows are written."""


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    state: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    generation: int
    error: str | None
    error_position: int | None
    error_topic: str | None
    rebuild_position: int | None
    rebuild_error: str | None = None


class TableRegistry:
    """Table objects per (projection, generation), and the live generation as queries see it.

    The live generation is read at most every ``LIVE_GENERATION_SECONDS`` per projection, and
    learnt sooner when told: by the engine of this process when it swaps one in, by a swap's
    announcement on PostgreSQL, or by a reading of the projections' state (``set_live``)."""

    def __init__(self, engine: Engine, projections: Sequence[Projection]):
        self.engine = engine
        self._reads = for_reads(engine)
        self.projections = {p.name: p for p in projections}
        self.ttl = LIVE_GENERATION_SECONDS
        self._tables: dict[tuple[str, int], dict[str, Table]] = {}
        self._live: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def tables(self, name: str, generation: int) -> dict[str, Table]:
        key = (name, generation)
        with self._lock:
            if key not in self._tables:
                self._tables[key] = self.projections[name].define_tables(
                    MetaData(), f"_g{generation}"
                )
            return self._tables[key]

    def live(self, name: str) -> dict[str, Table]:
        """The tables queries should read now (generation cached for ``ttl`` seconds)."""
        now = time.monotonic()
        cached = self._live.get(name)
        if cached is None or now - cached[1] > self.ttl:
            with self._reads.connect() as conn:
                generation = conn.execute(
                    select(state_table.c.generation).where(state_table.c.name == name)
                ).scalar()
            if generation is None:
                from projections.errors import ReadModelNotReadyError

                raise ReadModelNotReadyError(name)
            cached = self.set_live(name, generation, read_at=now)
        return self.tables(name, cached[0])

    def set_live(
        self, name: str, generation: int, *, read_at: float | None = None
    ) -> tuple[int, float]:
        """Note the live generation, as read from the database at ``read_at`` (monotonic: when
        the reading began, for a swap may have committed while it ran) or as told now.

        Never back to an older generation: a reading that began before a swap may end after
        this process was told of it."""
        at = time.monotonic() if read_at is None else read_at
        with self._lock:
            cached = self._live.get(name)
            if cached is None or (generation, at) > cached:
                cached = self._live[name] = (generation, at)
            return cached


class ProjectionEngine:
    def __init__(
        self,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        engine: Engine,
        projections: Sequence[Projection],
        registry: TableRegistry | None = None,
        batch_size: int = 1000,
        rebuild_batch_size: int = 5000,
        poll_interval: float = 0.2,
        own_thread: Iterable[str] = (),
        gather_seconds: float = GATHER_SECONDS,
        batch_scope: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.engine = engine
        self._reads = for_reads(engine)
        self.projections = {p.name: p for p in projections}
        self.registry = registry or TableRegistry(engine, projections)
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self._created: set[tuple[str, int]] = set()
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orion-read-ahead")
        self._read_ahead: dict[tuple[str, int], tuple[int, Future[_Batch]]] = {}
        self._indexed: set[tuple[str, int]] = set()
        self.poll_interval = poll_interval
        self.own = frozenset(own_thread)
        self.gather_seconds = gather_seconds
        # Entered around each batch: one use of personal data (the vault's ``one_use``).
        self.batch_scope = batch_scope
        # Per thread: whether the last ``run_once`` left a live batch short of the head.
        self._steps = threading.local()
        self._wakeups: list[threading.Event] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        # (projection, is the rebuild) → when a failed one may try again
        self._retry_at: dict[tuple[str, bool], float] = {}
        # Told (projection, position) after each live batch commits in this process.
        self.on_position: Callable[[str, int], None] | None = None

    # -- set-up --------------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the state table and, for a projection seen the first time, its tables."""
        state_metadata.create_all(self.engine, checkfirst=True)
        for name in self.projections:
            with self.engine.begin() as conn:
                row = self._state(conn, name)
                if row is None:
                    self._create_generation(conn, name, 1)
                    conn.execute(
                        state_table.insert().values(
                            name=name,
                            generation=1,
                            position=0,
                            state=RUNNING,
                            updated_at=_now(),
                        )
                    )
                else:
                    self.registry.set_live(name, row.generation)

    # -- running -------------------------------------------------------------------------------

    def run_once(self, names: Iterable[str] | None = None) -> int:
        """One step of each projection: a live batch, then a rebuild batch. Events applied."""
        selected = list(names or self.projections)
        self._steps.behind = False
        try:
            # One look at the head and at every tracking row: idle projections cost nothing more.
            head = self.recorder.max_notification_id() or 0
            with self._reads.connect() as conn:
                rows = {
                    r.name: r
                    for r in conn.execute(
                        select(state_table).where(state_table.c.name.in_(selected))
                    )
                }
        except OperationalError as error:
            log.warning("projections: database error, will retry: %s", error)
            return 0
        try:
            shared = self._shared_reads(rows.values(), head)
        except OperationalError as error:
            log.warning("projections: database error, will retry: %s", error)
            return 0
        quiet = self._quiet(rows, shared)
        applied = 0
        for name in selected:
            row = rows.get(name)
            idle = row is None or (
                row.position >= head
                and row.rebuild_generation is None
                and row.retired_generation is None
            )
            if idle or row is None or name in quiet:
                continue
            try:
                applied += self._step(row, head, shared.get(int(row.position)))
            except OperationalError as error:
                # A lost connection or a lock timeout: nothing was committed; try again later.
                log.warning("projection %s: database error, will retry: %s", name, error)
        # After the busy ones, which the readers of this batch's commands are waiting for.
        try:
            applied += len(self._move_past(quiet))
        except OperationalError as error:
            log.warning("projections: database error, will retry: %s", error)
        return applied

    def run_until_caught_up(self, names: Iterable[str] | None = None, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        selected = list(names or self.projections)
        while time.monotonic() < deadline:
            self.run_once(selected)
            statuses = [self.status(n) for n in selected]
            if all(
                s.state == FAILED or (s.position >= s.head and s.state != REBUILDING)
                for s in statuses
            ):
                return
        raise TimeoutError(f"projections {selected} did not catch up in {timeout}s")

    def start(self) -> None:
        """Follow the log on background threads (the embedded default runs them in-process).

        One thread takes the projections in turn; each one named in ``own_thread`` (a small
        model that requests wait for, like the order numbers checkout answers with) follows
        on a thread of its own, so that its next batch never waits for the others'. (A thread
        for every projection was measured: woken by every insert, each one reads the head and
        its state, and those round trips cost the checkout benchmark half its throughput.)
        SQLite serialises writers anyway: there it is one thread for all."""
        if self._threads:
            return
        self._stopping.clear()
        names = list(self.projections)
        sqlite = self.engine.dialect.name == "sqlite"
        own = [] if sqlite else [n for n in names if n in self.own]
        for group in [[n] for n in own] + [[n for n in names if n not in own]]:
            if not group:
                continue
            wakeup = threading.Event()
            self._wakeups.append(wakeup)
            # (Not on SQLite, where order numbers share this thread and the embedded server is
            # rarely that busy.)
            gather = 0.0 if group[0] in own or sqlite else self.gather_seconds
            thread = threading.Thread(
                target=self._loop,
                args=(group, wakeup, gather),
                name="orion-projections" + (f"-{group[0]}" if group[0] in own else ""),
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for wakeup in self._wakeups:
            wakeup.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self._wakeups.clear()

    def wake(self, *_: Any) -> None:
        """Called after a commit in this process, or on a NOTIFY: new events to read."""
        for wakeup in list(self._wakeups):
            wakeup.set()

    def run_forever(self) -> None:
        """Follow the log until ``stop`` is called (by another thread or a signal handler)."""
        self.start()
        while not self._stopping.wait(1.0):
            pass
        self.stop()

    def _loop(self, names: list[str], wakeup: threading.Event, gather: float = 0.0) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                applied = self.run_once(names)
            except Exception:  # a bug in the engine itself: log it and keep following
                log.exception("projection engine step failed")
                applied = 0
            if applied == 0:
                # Poll as well as waiting for a wake-up, so a lost notification cannot stall us.
                wakeup.wait(self.poll_interval)
                wakeup.clear()
            elif gather and not getattr(self._steps, "behind", False):
                # Under a stream of commands, a step per command costs each projection a
                # transaction per command; stepping at most every ``gather`` seconds lets a
                # step take what arrived meanwhile. After a quiet spell, a new event is
                # taken at once.
                self._stopping.wait(max(0.0, started + gather - time.monotonic()))

    # -- status and control --------------------------------------------------------------------

    def status(self, name: str) -> ProjectionStatus:
        return projection_status(self.engine, self.recorder, self.mapper, name)

    def request_rebuild(self, name: str) -> int:
        return request_rebuild(self.engine, name)

    def resume(self, name: str) -> None:
        self._retry_at.pop((name, False), None)
        self._retry_at.pop((name, True), None)
        with self.engine.begin() as conn:
            conn.execute(
                update(state_table)
                .where(state_table.c.name == name, state_table.c.state == FAILED)
                .values(state=RUNNING, updated_at=_now())
            )
        self.wake()

    # -- one step ------------------------------------------------------------------------------

    def _shared_reads(self, rows: Iterable[Any], head: int) -> dict[int, _Batch]:
        """One read of the log after each position that several running projections share.

        Projections usually follow the log together, at the same position: reading and decoding
        what follows once for all of them (each then takes the topics it handles) costs one
        query instead of one per projection, and decodes each event once."""
        at: dict[int, int] = {}
        for row in rows:
            if row.state == RUNNING and row.position < head:
                at[int(row.position)] = at.get(int(row.position), 0) + 1
        return {
            position: self._read_all(position, head)
            for position, sharing in at.items()
            if sharing > 1
        }

    def _quiet(self, rows: dict[str, Any], shared: dict[int, _Batch]) -> dict[str, tuple[int, int]]:
        """Running projections with nothing to handle in the batch after their position:
        name → (position, the batch's end). Two or more move past it together (``_move_past``);
        one alone takes the usual path."""
        moves: dict[str, tuple[int, int]] = {}
        for name, row in rows.items():
            batch = shared.get(int(row.position))
            quiet = (
                batch is not None
                and row.state == RUNNING
                and row.rebuild_generation is None
                and row.retired_generation is None
                and not batch.only(self.projections[name].topics).envelopes
            )
            if quiet and batch is not None:
                moves[name] = (int(row.position), batch.end)
        return moves if len(moves) > 1 else {}

    def _move_past(self, moves: dict[str, tuple[int, int]]) -> set[str]:
        """Move quiet projections past their batch in one transaction: one UPDATE and one
        announcement per batch they share, instead of a transaction each."""
        if not moves:
            return set()
        by_batch: dict[tuple[int, int], list[str]] = {}
        for name, span in moves.items():
            by_batch.setdefault(span, []).append(name)
        moved: dict[str, int] = {}
        with self.engine.begin() as conn:
            for (expected, end), names in by_batch.items():
                done = conn.execute(
                    update(state_table)
                    .where(state_table.c.name.in_(names), state_table.c.position == expected)
                    .values(position=end, updated_at=_now())
                    .returning(state_table.c.name)
                ).scalars()
                # (One missing was moved by another runner meanwhile: nothing to do.)
                names_moved = sorted(done)
                moved.update(dict.fromkeys(names_moved, end))
                if names_moved and conn.dialect.name == "postgresql":
                    payload = f"{','.join(names_moved)}:{end}"
                    conn.execute(select(func.pg_notify(POSITIONS_CHANNEL, payload)))
        if self.on_position is not None:
            for name, end in moved.items():
                self.on_position(name, end)
        return set(moved)

    def _read_all(self, position: int, head: int) -> _Batch:
        with _gc_paused:
            notifications = self.recorder.select_notifications(
                position + 1, self.batch_size, stop=head
            )
            envelopes = [self._envelope(n) for n in notifications]
        reached_head = len(notifications) < self.batch_size
        end = head if reached_head else notifications[-1].id
        return _Batch(position, envelopes, end, reached_head=reached_head)

    def _step(self, row: Any, head: int, shared: _Batch | None = None) -> int:
        """One step of a projection whose tracking row and the log's head were just read
        (and, when it shares its position with others, the batch that follows it)."""
        name = row.name
        self._drop_retired(row)
        applied = 0
        # (At the head, the live generation has nothing to read: no round trip to find that out.)
        live_waits = row.state == FAILED and time.monotonic() < self._retry_at.get((name, False), 0)
        if row.position < head and not live_waits:
            if shared is not None:
                shared = shared.only(self.projections[name].topics)
            applied, reached = self._advance(
                name, row.generation, int(row.position), live=True, batch=shared, head=head
            )
            if applied and reached is None:
                self._steps.behind = True  # a backlog: the next step follows at once
        rebuild_waits = time.monotonic() < self._retry_at.get((name, True), 0)
        if row.rebuild_generation is not None and not rebuild_waits:
            applied += self._advance_rebuild(row)
        return applied

    def _read(self, name: str, position: int, limit: int, head: int | None = None) -> _Batch:
        """Read and decode the batch after ``position``, up to ``head`` (the head as it is now
        when not given)."""
        if head is None:
            head = self.recorder.max_notification_id() or 0
        if position >= head:
            return _Batch(position, [], head, reached_head=True)
        with _gc_paused:
            notifications = self.recorder.select_notifications(
                position + 1, limit, stop=head, topics=self.projections[name].topics
            )
            envelopes = [self._envelope(n) for n in notifications]
        # With a topic filter, a short batch means nothing else up to the head concerns us.
        reached_head = len(notifications) < limit
        return _Batch(
            position,
            envelopes,
            head if reached_head else notifications[-1].id,
            reached_head=reached_head,
        )

    def _advance(
        self,
        name: str,
        generation: int,
        position: int,
        *,
        live: bool,
        batch: _Batch | None = None,
        head: int | None = None,
    ) -> tuple[int, int | None]:
        """Apply the next batch to one generation.

        Returns the number of events read (at least 1 when the position moved) and the new
        position when that batch reached the head of the log as it was when read (else None).
        """
        limit = self.batch_size if live else self.rebuild_batch_size
        ahead = self._read_ahead.pop((name, generation), None)
        if batch is not None:
            pass  # read already, with the other projections at this position
        elif ahead is not None and ahead[0] == position:
            batch = ahead[1].result()
        else:
            batch = self._read(name, position, limit, head)
        if batch.end == position:
            return 0, position
        if not live and not batch.reached_head:
            # A rebuild reads and decodes its next batch while this one is being written.
            self._read_ahead[(name, generation)] = (
                batch.end,
                self._reader.submit(self._read, name, batch.end, limit),
            )
        column = "position" if live else "rebuild_position"
        try:
            self._apply(name, generation, batch.envelopes, column, position, batch.end)
        except _LostRace:  # another runner applied this batch first
            self._read_ahead.pop((name, generation), None)
            return 0, None
        except OperationalError:  # the database is away: nothing committed; run_once retries
            self._read_ahead.pop((name, generation), None)
            raise
        except Exception as error:
            self._read_ahead.pop((name, generation), None)
            self._fail_precisely(name, generation, batch.envelopes, column, position, error)
            return 0, None
        read, end = max(len(batch.envelopes), 1), (batch.end if batch.reached_head else None)
        if not live:
            # The read-ahead keeps the collector paused across a rebuild's batches. The batch
            # is let go first: the collector would otherwise walk all its objects, alive still.
            del batch, ahead  # (the read-ahead's future holds the batch too)
            _gc_paused.collect_young()
        return read, end

    def _advance_rebuild(self, row: Any) -> int:
        name, generation = row.name, row.rebuild_generation
        if (name, generation) not in self._created:
            with self.engine.begin() as conn:
                self._create_generation(conn, name, generation, indexes=False)
        applied, position = self._advance(
            name, generation, int(row.rebuild_position or 0), live=False
        )
        if position is None:
            return applied
        if (name, generation) not in self._indexed:
            # Indexes are built once over the bulk-loaded rows (much cheaper than maintaining
            # them row by row); then one more pass applies what arrived meanwhile.
            with self.engine.begin() as conn:
                self._create_indexes(conn, name, generation)
            return applied + 1
        # The new generation reached the head as it was a moment ago: swap it in now, whatever
        # has been appended since (the live loop carries on from its position). Waiting for a
        # moment with no new events would never come under steady writes.
        with self.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            result = conn.execute(
                update(state_table)
                .where(
                    state_table.c.name == name,
                    state_table.c.rebuild_generation == generation,
                    state_table.c.rebuild_position == position,
                    # Never move a read model backwards: a reader who saw position P keeps it.
                    state_table.c.position <= position,
                    # One retired generation at a time, so none is left behind undropped.
                    state_table.c.retired_generation.is_(None),
                )
                .values(
                    generation=generation,
                    position=position,
                    state=RUNNING,
                    error=None,
                    error_position=None,
                    error_topic=None,
                    rebuild_generation=None,
                    rebuild_position=None,
                    rebuild_started_at=None,
                    rebuild_error=None,
                    retired_generation=row.generation,
                    # When the swap is made (the database's clock on PostgreSQL, which every
                    # process reporting the rebuild compares it with; evaluated once the row
                    # is locked, so a moment before the commit).
                    retired_at=func.clock_timestamp() if postgres else _now(),
                    updated_at=_now(),
                )
            )
            if result.rowcount == 1 and postgres:
                # Other processes' queries move to the new tables as they hear it.
                payload = f"{name}@{generation}:{position}"
                conn.execute(select(func.pg_notify(POSITIONS_CHANNEL, payload)))
        if result.rowcount == 1:
            self.registry.set_live(name, generation)
            if self.on_position is not None:
                self.on_position(name, position)
            log.info("projection %s: rebuilt generation %s swapped in", name, generation)
        return 0

    def _apply(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        expected: int,
        new_position: int,
    ) -> None:
        try:
            self._apply_batch(name, generation, envelopes, column, expected, new_position)
        except _LostRace:
            raise
        except Exception:
            # Another runner of the same batch may have committed first: its rows then make
            # ours fail (say, a unique violation) before our position guard could tell.
            # That is a lost race, not a failing handler.
            if self._position_moved(name, column, expected):
                raise _LostRace from None
            raise

    def _position_moved(self, name: str, column: str, expected: int) -> bool:
        with self._reads.connect() as conn:
            now = conn.execute(
                select(state_table.c[column]).where(state_table.c.name == name)
            ).scalar()
        return now != expected

    def _apply_batch(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        expected: int,
        new_position: int,
    ) -> None:
        projection = self.projections[name]
        tables = self.registry.tables(name, generation)
        with _gc_paused, self.batch_scope(), self.engine.begin() as conn:
            if column == "rebuild_position" and conn.dialect.name == "postgresql":
                # A rebuild batch need not wait for its WAL to reach the disk: a crash can lose
                # only whole batches (rows and position together), which the rebuild redoes.
                # (Live batches too, when the engine's connections say so: see make_engine.)
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            writer = Writer(conn, tables, history=self._history)
            projection.prefetch(envelopes, writer)
            for envelope in envelopes:
                if isinstance(envelope.event, _Undecodable):
                    raise envelope.event.error
                projection.handle(envelope, writer)
            projection.finish(writer)
            writer.flush()
            values: dict[str, Any] = {column: new_position, "updated_at": _now()}
            if column == "position":
                values.update(state=RUNNING, error=None, error_position=None, error_topic=None)
            result = conn.execute(
                update(state_table)
                .where(state_table.c.name == name, state_table.c[column] == expected)
                .values(**values)
            )
            if result.rowcount != 1:
                raise _LostRace  # another runner applied this batch: roll ours back
            if column == "position" and conn.dialect.name == "postgresql":
                # Sent at commit: API processes waiting for this position wake without polling.
                conn.execute(select(func.pg_notify(POSITIONS_CHANNEL, f"{name}:{new_position}")))
        if column == "position" and self.on_position is not None:
            self.on_position(name, new_position)

    def _fail_precisely(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        position: int,
        error: Exception,
    ) -> None:
        """Apply the events before the failing one, then stop this projection, saying why.

        A failure in a rebuild stops only the rebuild: the live generation keeps serving.
        """
        failed: EventEnvelope | None = None
        for envelope in envelopes:
            try:
                self._apply(name, generation, [envelope], column, position, envelope.position)
            except _LostRace:
                return
            except Exception as failing:
                error, failed = failing, envelope
                break
            position = envelope.position
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        if failed is None:
            # Every event applied on its own: the batch's error did not come from an event.
            log.warning("projection %s: batch failed, events applied one by one: %s", name, detail)
            return
        rebuilding = column == "rebuild_position"
        log.error(
            "projection %s%s stopped at event %s (%s): %s",
            name,
            " (rebuild)" if rebuilding else "",
            failed.position,
            failed.topic,
            detail,
        )
        self._retry_at[(name, rebuilding)] = time.monotonic() + FAILED_RETRY_SECONDS
        values: dict[str, Any] = {
            "error": detail[:2000],
            "error_position": failed.position,
            "error_topic": failed.topic,
            "failed_at": _now(),
            "updated_at": _now(),
        }
        if rebuilding:
            values = {"rebuild_error": f"at {failed.position} ({failed.topic}): {detail}"[:2000]}
        else:
            values["state"] = FAILED
        with self.engine.begin() as conn:
            conn.execute(update(state_table).where(state_table.c.name == name).values(**values))

    def _history(self, originator_id: Any, version: int) -> list[Any]:
        """An aggregate's events up to ``version``, decoded (``Writer.history``)."""
        stored = self.recorder.select_events(originator_id, lte=version)
        return [self.mapper.to_domain_event(s) for s in stored]

    def _envelope(self, notification: Notification) -> EventEnvelope:
        try:
            event = self.mapper.to_domain_event(notification)
        except Exception as error:  # an event this code cannot read: its handler will say so
            return EventEnvelope(notification.id, notification.topic, _Undecodable(error), {})
        return EventEnvelope(notification.id, notification.topic, event, event_metadata(event))

    # -- generations ---------------------------------------------------------------------------

    def _create_generation(
        self, conn: Connection, name: str, generation: int, *, indexes: bool = True
    ) -> None:
        if (name, generation) not in self._created:
            _lock_ddl(conn)
            for table in self.registry.tables(name, generation).values():
                conn.execute(CreateTable(table, if_not_exists=True))
            tables = self.registry.tables(name, generation)
            self.projections[name].create_extras(conn, tables, f"_g{generation}")
            self._created.add((name, generation))
        if indexes:
            self._create_indexes(conn, name, generation)

    def _create_indexes(self, conn: Connection, name: str, generation: int) -> None:
        if (name, generation) in self._indexed:
            return
        _lock_ddl(conn)
        tables = self.registry.tables(name, generation)
        for table in tables.values():
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        self.projections[name].create_extra_indexes(conn, tables, f"_g{generation}")
        self._indexed.add((name, generation))

    def _drop_generation(self, conn: Connection, name: str, generation: int) -> None:
        self._created.discard((name, generation))
        self._indexed.discard((name, generation))
        tables = self.registry.tables(name, generation)
        self.projections[name].drop_extras(conn, f"_g{generation}")
        next(iter(tables.values())).metadata.drop_all(conn, checkfirst=True)

    def _drop_retired(self, row: Any) -> None:
        if row.retired_generation is None or row.retired_at is None:
            return
        retired_at = _aware(row.retired_at)
        if (_now() - retired_at).total_seconds() < RETIRED_GRACE_SECONDS:
            return
        with self.engine.begin() as conn:
            grace = timedelta(seconds=RETIRED_GRACE_SECONDS)
            # The swap's time is the database's on PostgreSQL: so is the grace's end.
            now = func.clock_timestamp() if conn.dialect.name == "postgresql" else _now()
            claimed = conn.execute(
                update(state_table)
                .where(
                    state_table.c.name == row.name,
                    state_table.c.retired_generation == row.retired_generation,
                    state_table.c.retired_at <= now - grace,
                )
                .values(retired_generation=None, retired_at=None)
            ).rowcount
            if claimed == 1:
                self._drop_generation(conn, row.name, row.retired_generation)

    @staticmethod
    def _state(conn: Connection, name: str) -> Any:
        return conn.execute(select(state_table).where(state_table.c.name == name)).first()


@dataclass
class _Batch:
    start: int  # the position it was read after
    envelopes: list[EventEnvelope]
    end: int  # the position the projection has reached once the batch is applied
    reached_head: bool

    def only(self, topics: Sequence[str]) -> _Batch:
        """The events of these topics (all when none are named), ending where this one ends."""
        if not topics:
            return self
        wanted = set(topics)
        kept = [e for e in self.envelopes if e.topic in wanted]
        return _Batch(self.start, kept, self.end, self.reached_head)


@dataclass
class _Undecodable:
    error: Exception


class _LostRace(Exception):
    """Another runner moved the position first; our transaction is rolled back."""


def request_rebuild(engine: Engine, name: str) -> int:
    """Ask for a rebuild into a fresh generation; returns that generation's number."""
    with engine.begin() as conn:
        row = conn.execute(select(state_table).where(state_table.c.name == name)).first()
        if row is None:
            from projections.errors import ReadModelNotReadyError

            raise ReadModelNotReadyError(name)
        if row.rebuild_generation is not None:
            return int(row.rebuild_generation)
        generation = max(row.generation, row.retired_generation or 0) + 1
        conn.execute(
            update(state_table)
            .where(state_table.c.name == name)
            .values(
                rebuild_generation=generation,
                rebuild_position=0,
                rebuild_started_at=_now(),
                updated_at=_now(),
            )
        )
        return int(generation)


def projection_status(
    engine: Engine, recorder: ApplicationRecorder, mapper: Mapper[Any], name: str
) -> ProjectionStatus:
    with for_reads(engine).connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        # The clock the swap's time was taken on (see ``_advance_rebuild``).
        now = func.clock_timestamp() if postgres else literal(None)
        row = conn.execute(
            select(state_table, now.label("now")).where(state_table.c.name == name)
        ).first()
    head = recorder.max_notification_id() or 0
    if row is None:
        return ProjectionStatus(name, "new", 0, head, head, 0.0, 0, None, None, None, None)
    # Swapped in, but some process may read the old tables for a moment still: not done yet.
    settling = (
        row.retired_at is not None
        and ((row.now if postgres else _now()) - _aware(row.retired_at)).total_seconds()
        < SWAP_SETTLE_SECONDS
    )
    position = int(row.position)
    lag_seconds = 0.0
    if position < head:
        pending = recorder.select_notifications(position + 1, 1)
        if pending:
            oldest: Any = mapper.to_domain_event(pending[0])
            lag_seconds = max(0.0, (_now() - oldest.timestamp).total_seconds())
    state = row.state
    if state == RUNNING and (row.rebuild_generation is not None or settling):
        state = REBUILDING
    return ProjectionStatus(
        name=name,
        state=state,
        position=position,
        head=head,
        lag_events=max(0, head - position),
        lag_seconds=round(lag_seconds, 3),
        generation=int(row.generation),
        error=row.error,
        error_position=row.error_position,
        error_topic=row.error_topic,
        rebuild_position=position if settling else row.rebuild_position,
        rebuild_error=row.rebuild_error,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we write is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


DDL_LOCK_KEY = 0x0_71_0_4F  # an arbitrary, fixed advisory-lock key for read-model DDL


def _lock_ddl(conn: Connection) -> None:
    """Two runners creating the same generation at once: PostgreSQL's ``CREATE TABLE IF NOT
    EXISTS`` is not safe against that (a unique violation on its catalog). Serialise the DDL
    until the creating transaction ends; SQLite serialises writers by itself."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK_KEY})")
