"""Where each follower of the log stands, and which generation of a read model queries read.

One row per follower in ``orion_projections``: its position, its state and what stopped it, and,
for a read model, its live generation of tables and the one a rebuild is filling. The follower
(``adapters.follower``) writes these rows; queries read them (``projections.read``) through the
``TableRegistry``. Read models' rows live in the read models' database, reactions' in the event
database (``kind`` tells them apart where both are one database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from projections.db import for_reads
from projections.errors import ReadModelNotReadyError

if TYPE_CHECKING:
    from projections.base import Projection

RUNNING, REBUILDING, FAILED = "running", "rebuilding", "failed"
READ_MODEL, REACTION = "read_model", "reaction"
# How long a process's queries may go on reading a generation after another one is swapped in
# (``TableRegistry``). A rebuild is reported done only once that long has passed since its swap.
LIVE_GENERATION_SECONDS = 1.0
# PostgreSQL channel on which a read model's live batch announces "<name>:<position>" at commit
# (or "<name>,<name>…:<position>" for quiet ones moved together), and a swap
# "<name>@<generation>:<position>".
POSITIONS_CHANNEL = "orion_projections"

state_metadata = MetaData()
state_table = Table(
    "orion_projections",
    state_metadata,
    Column("name", String(64), primary_key=True),
    # "read_model" or "reaction" (a reaction has no tables: its generation is 0).
    Column("kind", String(16), nullable=False, server_default=READ_MODEL),
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
    # When the (live) position last moved: behind the head and long unmoved is stalled.
    Column("moved_at", DateTime(timezone=True)),
)


class TableRegistry:
    """Table objects per (projection, generation), and the live generation as queries see it.

    The live generation is read at most every ``LIVE_GENERATION_SECONDS`` per projection, and
    learnt sooner when told: by the follower of this process when it swaps one in, by a swap's
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
