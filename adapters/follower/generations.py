"""A read model's generations of tables: made, indexed, rebuilt, swapped in, dropped.

Rebuild writes a fresh generation of the projection's tables (``<table>_g<N>``) from position 0
while the live generation keeps serving queries and following the log; when the new generation
has caught up, one transaction swaps it in, and the old tables are dropped after a grace period.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

from adapters.follower.batches import Batch, EventLog, gc_paused
from adapters.follower.handlers import Failure, LostRace, error_text
from adapters.follower.state import aware, lock_ddl, now
from projections.base import EventEnvelope, Projection
from projections.errors import ReadModelNotReadyError
from projections.tracking import (
    LIVE_GENERATION_SECONDS,
    READ_MODEL,
    RUNNING,
    TableRegistry,
    state_table,
)

log = logging.getLogger("orion.projections")

# A rebuild is reported done only once every process's queries read the new tables: that long
# after its swap (``TableRegistry``), and a little more for the swap's own commit.
SWAP_SETTLE_SECONDS = LIVE_GENERATION_SECONDS + 0.25
RETIRED_GRACE_SECONDS = 10.0


class Rebuilder(Protocol):
    """What a rebuild needs of the read-model follower that runs it."""

    engine: Engine
    events: EventLog
    registry: TableRegistry
    projections: dict[str, Projection]
    rebuild_batch_size: int
    retry_seconds: float

    def apply(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        expected: int,
        new_position: int,
    ) -> None: ...

    def fail_precisely(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        position: int,
        error: Exception,
    ) -> Failure | None: ...

    def announce(self, conn: Connection, names: str, position: int) -> None: ...

    def told(self, name: str, position: int) -> None: ...


class Generations:
    def __init__(self, follower: Rebuilder) -> None:
        self.follower = follower
        self._created: set[tuple[str, int]] = set()
        self._indexed: set[tuple[str, int]] = set()
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orion-read-ahead")
        self._read_ahead: dict[tuple[str, int], tuple[int, Future[Batch]]] = {}
        # projection → when a failed rebuild may try again
        self.retry_at: dict[str, float] = {}

    # -- a rebuild's step ----------------------------------------------------------------------

    def step(self, row: Any) -> int:
        """One batch of the rebuild of ``row``'s projection (or its indexes, or its swap)."""
        name, generation = row.name, row.rebuild_generation
        if time.monotonic() < self.retry_at.get(name, 0.0):
            return 0
        engine = self.follower.engine
        if (name, generation) not in self._created:
            with engine.begin() as conn:
                self.create(conn, name, generation, indexes=False)
        applied, position = self._advance(name, generation, int(row.rebuild_position or 0))
        if position is None:
            return applied
        if (name, generation) not in self._indexed:
            # Indexes are built once over the bulk-loaded rows (much cheaper than maintaining
            # them row by row); then one more pass applies what arrived meanwhile.
            with engine.begin() as conn:
                self.create_indexes(conn, name, generation)
            return applied + 1
        self._swap(row, generation, position)
        return 0

    def _advance(self, name: str, generation: int, position: int) -> tuple[int, int | None]:
        """Apply the next batch to the new generation: events read (at least 1 when the
        position moved) and the new position when that batch reached the head (else None)."""
        follower = self.follower
        limit, topics = follower.rebuild_batch_size, follower.projections[name].topics
        ahead = self._read_ahead.pop((name, generation), None)
        if ahead is not None and ahead[0] == position:
            batch = ahead[1].result()
        else:
            batch = follower.events.read(position, limit, None, topics)
        if batch.end == position:
            return 0, position
        if not batch.reached_head:
            # A rebuild reads and decodes its next batch while this one is being written.
            self._read_ahead[(name, generation)] = (
                batch.end,
                self._reader.submit(follower.events.read, batch.end, limit, None, topics),
            )
        column = "rebuild_position"
        try:
            follower.apply(name, generation, batch.envelopes, column, position, batch.end)
        except LostRace:  # another runner applied this batch first
            self._read_ahead.pop((name, generation), None)
            return 0, None
        except OperationalError:  # the database is away: nothing committed; run_once retries
            self._read_ahead.pop((name, generation), None)
            raise
        except Exception as error:
            self._read_ahead.pop((name, generation), None)
            try:
                failure = follower.fail_precisely(
                    name, generation, batch.envelopes, column, position, error
                )
            except LostRace:
                return 0, None
            if failure is not None:
                self._fail(name, failure)
            return 0, None
        read, end = max(len(batch.envelopes), 1), (batch.end if batch.reached_head else None)
        # The read-ahead keeps the collector paused across a rebuild's batches. The batch is
        # let go first: the collector would otherwise walk all its objects, alive still.
        del batch, ahead  # (the read-ahead's future holds the batch too)
        gc_paused.collect_young()
        return read, end

    def _swap(self, row: Any, generation: int, position: int) -> None:
        """The new generation reached the head as it was a moment ago: swap it in now, whatever
        has been appended since (the live position carries on from there). Waiting for a
        moment with no new events would never come under steady writes."""
        name, follower = row.name, self.follower
        with follower.engine.begin() as conn:
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
                    retired_at=func.clock_timestamp() if postgres else now(),
                    updated_at=now(),
                    moved_at=now(),
                )
            )
            if result.rowcount == 1:
                # Other processes' queries move to the new tables as they hear it.
                follower.announce(conn, f"{name}@{generation}", position)
        if result.rowcount == 1:
            follower.registry.set_live(name, generation)
            follower.told(name, position)
            log.info("projection %s: rebuilt generation %s swapped in", name, generation)

    def _fail(self, name: str, failure: Failure) -> None:
        """Stop the rebuild (only: the live generation keeps serving), saying why."""
        event, detail = failure.envelope, error_text(failure.error)
        log.error(
            "projection %s (rebuild) stopped at event %s (%s): %s",
            name,
            event.position,
            event.topic,
            detail,
            exc_info=failure.error,
        )
        self.retry_at[name] = time.monotonic() + self.follower.retry_seconds
        with self.follower.engine.begin() as conn:
            conn.execute(
                update(state_table)
                .where(state_table.c.name == name)
                .values(rebuild_error=f"at {event.position} ({event.topic}): {detail}"[:2000])
            )

    # -- tables --------------------------------------------------------------------------------

    def create(self, conn: Connection, name: str, generation: int, *, indexes: bool = True) -> None:
        if (name, generation) not in self._created:
            lock_ddl(conn)
            tables = self.follower.registry.tables(name, generation)
            for table in tables.values():
                conn.execute(CreateTable(table, if_not_exists=True))
            self.follower.projections[name].create_extras(conn, tables, f"_g{generation}")
            self._created.add((name, generation))
        if indexes:
            self.create_indexes(conn, name, generation)

    def create_indexes(self, conn: Connection, name: str, generation: int) -> None:
        if (name, generation) in self._indexed:
            return
        lock_ddl(conn)
        tables = self.follower.registry.tables(name, generation)
        for table in tables.values():
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        self.follower.projections[name].create_extra_indexes(conn, tables, f"_g{generation}")
        self._indexed.add((name, generation))

    def _drop(self, conn: Connection, name: str, generation: int) -> None:
        self._created.discard((name, generation))
        self._indexed.discard((name, generation))
        tables = self.follower.registry.tables(name, generation)
        self.follower.projections[name].drop_extras(conn, f"_g{generation}")
        next(iter(tables.values())).metadata.drop_all(conn, checkfirst=True)

    def drop_retired(self, row: Any) -> None:
        """Drop the generation a swap retired, once its grace period is over."""
        if row.retired_generation is None or row.retired_at is None:
            return
        if (now() - aware(row.retired_at)).total_seconds() < RETIRED_GRACE_SECONDS:
            return
        with self.follower.engine.begin() as conn:
            grace = timedelta(seconds=RETIRED_GRACE_SECONDS)
            # The swap's time is the database's on PostgreSQL: so is the grace's end.
            clock = func.clock_timestamp() if conn.dialect.name == "postgresql" else now()
            claimed = conn.execute(
                update(state_table)
                .where(
                    state_table.c.name == row.name,
                    state_table.c.retired_generation == row.retired_generation,
                    state_table.c.retired_at <= clock - grace,
                )
                .values(retired_generation=None, retired_at=None)
            ).rowcount
            if claimed == 1:
                self._drop(conn, row.name, row.retired_generation)


def request_rebuild(engine: Engine, name: str) -> int:
    """Ask for a rebuild into a fresh generation; returns that generation's number."""
    with engine.begin() as conn:
        row = conn.execute(select(state_table).where(state_table.c.name == name)).first()
        if row is None or row.kind != READ_MODEL:
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
                rebuild_started_at=now(),
                updated_at=now(),
            )
        )
        return int(generation)
