"""A failing handler stops only its own projection, says which event and why, and resumes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table

from domain.catalog.aggregates import Product
from interfaces.bootstrap import Orion, all_projections
from projections.engine import EventEnvelope, Projection, ProjectionEngine, topic
from projections.writer import Writer
from tests.integration.projections.helpers import fill


class Fragile(Projection):
    """Counts published products, and breaks on them while ``broken`` is set."""

    name = "fragile"
    topics = (topic(Product.Published),)
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
    engine = ProjectionEngine(
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
