"""A failing handler stops only its own projection, says which event and why, and resumes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect
from sqlalchemy.exc import OperationalError

from adapters.follower import ReadModelFollower, generations
from domain.catalog.aggregates import Product
from domain.shared.topics import topic, topics_of
from interfaces.bootstrap import Orion, all_projections
from projections.base import EventEnvelope, Projection
from projections.writer import Writer
from tests.integration.projections.helpers import fill


class Fragile(Projection):
    """Counts published products, and breaks on them while ``broken`` is set."""

    name = "fragile"
    topics = topics_of(Product.Published)
    broken = True

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return {
            "counts": Table(
                f"fragile_counts{suffix}",
                metadata,
                Column("key", String(16), primary_key=True),
                Column("n", Integer, nullable=False),
            )
        }

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        if self.broken:
            raise RuntimeError("cannot handle a published product")
        row: dict[str, Any] = w.get("counts", "published") or {"key": "published", "n": 0}
        row["n"] += 1
        w.put("counts", row)


def test_failing_projection_stops_alone_and_resumes_after_a_fix(orion: Orion) -> None:
    fill(orion, 10, publish_every=2)
    fragile = Fragile()
    engine = ReadModelFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=orion.projections.engine,
        projections=[*all_projections(), fragile],
    )
    engine.setup()
    engine.run_until_caught_up(timeout=60)

    head = orion.platform.head()
    status = engine.status("fragile")
    assert status.state == "failed"
    assert status.error_topic == topic(Product.Published)
    assert "cannot handle a published product" in (status.error or "")
    # It applied everything before the failing event, and nothing from it on.
    assert status.error_position is not None
    assert status.position < status.error_position
    for name in ("stores", "catalog", "storefront_search", "audit_log"):
        assert engine.status(name).position == head, name

    fragile.broken = False
    engine.resume("fragile")
    engine.run_until_caught_up(["fragile"], timeout=60)
    status = engine.status("fragile")
    assert status.state == "running" and status.position == head
    table = engine.registry.tables("fragile", status.generation)["counts"]
    with orion.read.engine.connect() as conn:
        assert conn.execute(table.select()).one().n == 5


class Flaky(Fragile):
    """Fails its first call only: a batch-level error that applying event by event survives."""

    name = "flaky"

    def __init__(self, error: Exception) -> None:
        self.error: Exception | None = error
        self.broken = False

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        super().handle(envelope, w)


def _engine(orion: Orion, *extra: Projection) -> ReadModelFollower:
    engine = ReadModelFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=orion.projections.engine,
        projections=[*all_projections(), *extra],
    )
    engine.setup()
    return engine


@pytest.mark.parametrize(
    "error",
    [RuntimeError("only the batch failed"), OperationalError("SELECT 1", {}, Exception("gone"))],
    ids=["batch-only", "database-away"],
)
def test_an_error_no_single_event_repeats_does_not_stop_the_projection(
    orion: Orion, error: Exception
) -> None:
    fill(orion, 6, publish_every=2)
    engine = _engine(orion, Flaky(error))
    engine.run_until_caught_up(timeout=60)
    status = engine.status("flaky")
    assert status.state == "running" and status.position == orion.platform.head(), status
    table = engine.registry.tables("flaky", status.generation)["counts"]
    with orion.read.engine.connect() as conn:
        assert conn.execute(table.select()).one().n == 3


class BreaksOnOldEvents(Fragile):
    """Cannot read events up to ``old`` any more (say, a bad upcaster): only a rebuild sees them."""

    name = "fragile"
    old = 0

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        self.broken = envelope.position <= self.old
        super().handle(envelope, w)


def test_a_failing_rebuild_leaves_the_live_generation_serving(orion: Orion) -> None:
    fill(orion, 6, publish_every=2)
    fragile = BreaksOnOldEvents()
    engine = _engine(orion, fragile)
    engine.run_until_caught_up(timeout=60)
    fragile.old = orion.platform.head()
    engine.request_rebuild("fragile")
    engine.run_once(["fragile"])
    status = engine.status("fragile")
    assert status.state == "rebuilding" and status.generation == 1
    assert status.rebuild_error and "cannot handle a published product" in status.rebuild_error
    assert status.error is None
    # Live events still flow into generation 1 while the rebuild waits for a fix.
    fill(orion, 2, publish_every=1)
    engine.run_once(["fragile"])
    assert engine.status("fragile").position == orion.platform.head()

    fragile.old = 0
    engine.resume("fragile")
    while engine.status("fragile").state == "rebuilding":
        engine.run_once(["fragile"])
    status = engine.status("fragile")
    assert status.generation == 2 and status.rebuild_error is None
    table = engine.registry.tables("fragile", 2)["counts"]
    with orion.read.engine.connect() as conn:
        assert conn.execute(table.select()).one().n == 5


def test_a_reader_behind_a_failed_projection_is_told_at_once(orion: Orion) -> None:
    fill(orion, 2, publish_every=1)
    engine = _engine(orion, Fragile())
    engine.run_until_caught_up(timeout=60)
    assert engine.status("fragile").state == "failed"
    head = orion.platform.head()
    assert orion.read.progress(["catalog"], head) == (True, False)
    assert orion.read.progress(["catalog"], head + 1) == (False, False)  # running: worth a wait
    assert orion.read.progress(["fragile", "catalog"], head) == (False, True)  # stopped behind


def test_rebuilding_twice_in_a_row_leaves_no_old_tables(
    orion: Orion, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generations, "RETIRED_GRACE_SECONDS", 0.0)
    fill(orion, 3)
    engine = orion.projections
    engine.run_until_caught_up(timeout=60)
    for generation in (2, 3):
        assert engine.request_rebuild("catalog") == generation
        while engine.status("catalog").state == "rebuilding":
            engine.run_once(["catalog"])
    engine.run_once(["catalog"])  # drops the last retired generation
    names = set(inspect(orion.read.engine).get_table_names())
    assert "products_g3" in names
    assert not {"products_g1", "products_g2"} & names


def test_patching_two_tables_in_one_batch(orion: Orion) -> None:
    """Temporary tables for patches live until commit: their names must not collide."""
    t = {
        "a": Table(
            "patch_a",
            MetaData(),
            Column("key", String(8), primary_key=True),
            Column("n", Integer, nullable=False),
        ),
        "b": Table(
            "patch_b",
            MetaData(),
            Column("key", String(8), primary_key=True),
            Column("n", Integer, nullable=False),
        ),
    }
    with orion.read.engine.begin() as conn:
        for table in t.values():
            table.create(conn)
            conn.execute(table.insert(), [{"key": "x", "n": 1}])
    with orion.projections.engine.begin() as conn:
        w = Writer(conn, t)
        w.patch("a", "x", n=2)
        w.patch("b", "x", n=3)
        w.flush()
        w.patch("a", "x", n=4)
        w.flush()
    with orion.read.engine.connect() as conn:
        assert conn.execute(t["a"].select()).one().n == 4
        assert conn.execute(t["b"].select()).one().n == 3
