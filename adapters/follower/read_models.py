"""Read models on the follower: each batch's rows and position in one transaction, exactly once.

A batch's rows and the projection's position are committed together, guarded by the position
it started from (``UPDATE … WHERE position = :expected``): a crash loses nothing and repeats
nothing, and two runners of one projection can never both apply a batch. A batch that fails is
applied again event by event, so that the projection stops exactly at the failing event.
Rebuilds fill a new generation of tables while the live one serves (``generations``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from adapters.follower.batches import Batch, Undecodable, gc_paused
from adapters.follower.generations import SWAP_SETTLE_SECONDS, Generations, request_rebuild
from adapters.follower.handlers import Failure, LostRace
from adapters.follower.loop import Follower
from adapters.follower.state import aware, now
from adapters.follower.status import FollowerStatus
from projections.base import EventEnvelope, Projection
from projections.tracking import READ_MODEL, REBUILDING, RUNNING, TableRegistry, state_table
from projections.writer import Writer

log = logging.getLogger("orion.projections")

FAILED_RETRY_SECONDS = 30.0
# The shortest time between two steps of the shared projector thread (see ``Follower._loop``).
GATHER_SECONDS = 0.02


class ReadModelFollower(Follower):
    kind = READ_MODEL
    announces = True
    thread_name = "orion-projections"

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
        retry_seconds: float = FAILED_RETRY_SECONDS,
        batch_scope: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        super().__init__(
            recorder=recorder,
            mapper=mapper,
            engine=engine,
            handlers=projections,
            batch_size=batch_size,
            poll_interval=poll_interval,
            gather_seconds=gather_seconds,
            retry_seconds=retry_seconds,
            own_thread=own_thread,
        )
        self.projections: dict[str, Projection] = {p.name: p for p in projections}
        self.registry = registry or TableRegistry(engine, projections)
        self.rebuild_batch_size = rebuild_batch_size
        # Entered around each batch: one use of personal data (the vault's ``one_use``).
        self.batch_scope = batch_scope
        self.generations = Generations(self)

    # -- set-up --------------------------------------------------------------------------------

    def _create_rows(self) -> None:
        for name in self.projections:
            with self.engine.begin() as conn:
                row = conn.execute(select(state_table).where(state_table.c.name == name)).first()
                if row is None:
                    self.generations.create(conn, name, 1)
                    conn.execute(
                        state_table.insert().values(
                            name=name,
                            kind=READ_MODEL,
                            generation=1,
                            position=0,
                            state=RUNNING,
                            updated_at=now(),
                        )
                    )
                elif row.kind != READ_MODEL:
                    raise ValueError(f"read model {name!r}: the name is a {row.kind}'s")
                else:
                    self.registry.set_live(name, row.generation)

    # -- the kind's share of a step ------------------------------------------------------------

    def _idle(self, row: Any, head: int) -> bool:
        return bool(
            row.position >= head
            and row.rebuild_generation is None
            and row.retired_generation is None
        )

    def _may_move_quietly(self, row: Any) -> bool:
        return row.rebuild_generation is None and row.retired_generation is None

    def _before_step(self, row: Any) -> None:
        self.generations.drop_retired(row)

    def _after_step(self, row: Any) -> int:
        return 0 if row.rebuild_generation is None else self.generations.step(row)

    def _deliver(self, row: Any, batch: Batch) -> Failure | None:
        name, generation, position = row.name, row.generation, int(row.position)
        try:
            self.apply(name, generation, batch.envelopes, "position", position, batch.end)
        except (LostRace, OperationalError):  # nothing committed: run_once retries
            raise
        except Exception as error:
            return self.fail_precisely(
                name, generation, batch.envelopes, "position", position, error
            )
        return None

    # -- applying a batch ----------------------------------------------------------------------

    def apply(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        expected: int,
        new_position: int,
    ) -> None:
        """Apply the events to one generation and move ``column`` (the live ``position`` or
        the ``rebuild_position``) from ``expected`` to ``new_position``, in one transaction."""
        try:
            self._apply_batch(name, generation, envelopes, column, expected, new_position)
        except LostRace:
            raise
        except Exception:
            # Another runner of the same batch may have committed first: its rows then make
            # ours fail (say, a unique violation) before our position guard could tell.
            # That is a lost race, not a failing handler.
            if self._position_moved(name, column, expected):
                raise LostRace from None
            raise

    def _position_moved(self, name: str, column: str, expected: int) -> bool:
        with self._reads.connect() as conn:
            found = conn.execute(
                select(state_table.c[column]).where(state_table.c.name == name)
            ).scalar()
        return found != expected

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
        live = column == "position"
        with gc_paused, self.batch_scope(), self.engine.begin() as conn:
            if not live and conn.dialect.name == "postgresql":
                # A rebuild batch need not wait for its WAL to reach the disk: a crash can lose
                # only whole batches (rows and position together), which the rebuild redoes.
                # (Live batches too, when the engine's connections say so: see make_engine.)
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            writer = Writer(conn, tables, history=self.events.history)
            projection.prefetch(envelopes, writer)
            for envelope in envelopes:
                if isinstance(envelope.event, Undecodable):
                    raise envelope.event.error
                projection.handle(envelope, writer)
            projection.finish(writer)
            writer.flush()
            if live:
                values = self._moved_values(new_position)
            else:
                values = {column: new_position, "updated_at": now()}
            result = conn.execute(
                update(state_table)
                .where(state_table.c.name == name, state_table.c[column] == expected)
                .values(**values)
            )
            if result.rowcount != 1:
                raise LostRace  # another runner applied this batch: roll ours back
            if live:
                self.announce(conn, name, new_position)
        if live:
            self.told(name, new_position)

    def fail_precisely(
        self,
        name: str,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        column: str,
        position: int,
        error: Exception,
    ) -> Failure | None:
        """Apply the events before the failing one, one by one; returns the failing one.

        None when every event applied on its own (the batch's error came from no event).
        ``LostRace`` when another runner moved the position meanwhile."""
        for envelope in envelopes:
            try:
                self.apply(name, generation, [envelope], column, position, envelope.position)
            except LostRace:
                raise
            except Exception as failing:
                return Failure(envelope, failing)
            position = envelope.position
        log.warning("projection %s: batch failed, events applied one by one: %s", name, error)
        return None

    # -- status and control --------------------------------------------------------------------

    def _describe_new(self, name: str, head: int) -> FollowerStatus:
        return replace(super()._describe_new(name, head), generation=0)

    def _describe(self, row: Any, head: int, lag_seconds: float, at: Any) -> FollowerStatus:
        status = super()._describe(row, head, lag_seconds, at)
        # Swapped in, but some process may read the old tables for a moment still: not done
        # yet. (Timed on the clock the swap's time was taken on: the database's on PostgreSQL.)
        settling = (
            row.retired_at is not None
            and ((row.now or at) - aware(row.retired_at)).total_seconds() < SWAP_SETTLE_SECONDS
        )
        state = status.state
        if state == RUNNING and (row.rebuild_generation is not None or settling):
            state = REBUILDING
        return replace(
            status,
            state=state,
            generation=int(row.generation),
            rebuild_position=status.position if settling else row.rebuild_position,
            rebuild_error=row.rebuild_error,
        )

    def request_rebuild(self, name: str) -> int:
        """Ask for a rebuild into a fresh generation; returns that generation's number."""
        return request_rebuild(self.engine, name)

    def resume(self, name: str) -> None:
        self.generations.retry_at.pop(name, None)
        super().resume(name)
