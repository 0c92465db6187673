"""Events recorded before ``Product.Published`` carried the product's state (v1) still feed the
storefront: the projection replays the product's own events from the log, live and on rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from domain.catalog.aggregates import Product
from interfaces.bootstrap import Orion
from projections.catalog.queries import SearchQuery, search_products
from tests.golden.make_samples import EVENTS_DIR, PRODUCT_ID, STORE_ID
from tests.integration.projections.helpers import dump, rebuild_all


def insert_golden_sample(orion: Orion, name: str) -> None:
    """The sample's events, byte for byte as an older Orion recorded them, appended to the log."""
    sample = json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    orion.app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=PRODUCT_ID,
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=e["state"].encode("utf-8"),
            )
            for e in sample["stored_events"]
        ]
    )


def shop_rows(orion: Orion) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    tables = orion.read.registry.live("storefront_search")
    products, attributes = tables["shop_products"], tables["attributes"]
    with orion.read.engine.connect() as conn:
        row = conn.execute(select(products).where(products.c.product_id == PRODUCT_ID)).first()
        names = conn.execute(
            select(attributes.c.name, attributes.c.value)
            .where(attributes.c.product_id == PRODUCT_ID)
            .order_by(attributes.c.name)
        ).all()
    return (dict(row._mapping) if row else None), [(n, v) for n, v in names]


def test_a_v1_publish_lists_the_product_as_it_stood_then(orion: Orion) -> None:
    insert_golden_sample(orion, "Product.Published")  # Created, then Published v1 (no state)
    orion.projections.run_until_caught_up()

    row, attributes = shop_rows(orion)
    assert row is not None
    assert (row["title"], row["f_title"], row["version"]) == (
        "Café crème 500 g",
        "cafe creme 500 g",
        2,
    )
    assert (row["price_min"], row["price_max"], row["currency"]) == (1290, 1350, "EUR")
    assert row["published_at"].replace(tzinfo=UTC) == datetime(2024, 1, 2, 3, 5, 5, 678901, UTC)
    assert (row["f_skus"], row["f_attributes"]) == ("caf 500 caf 500 g", "grind beans")
    assert attributes == [("grind", "beans")]
    found, _ = search_products(orion.read, SearchQuery(store_id=STORE_ID, q="creme"))
    assert [r["product_id"] for r in found] == [PRODUCT_ID]

    # Later events of today's shape apply on top, and a rebuild gives the same rows.
    product: Any = orion.app.repository.get(PRODUCT_ID)
    product.edit(currency="EUR", at=datetime.now(UTC), title="Café noir 500 g")
    product.unpublish(at=datetime.now(UTC))
    product.publish(at=datetime.now(UTC))
    assert isinstance(product.pending_events[-1], Product.Published)
    orion.app.save(product)
    orion.projections.run_until_caught_up()
    row, attributes = shop_rows(orion)
    assert row is not None and (row["f_title"], row["version"]) == ("cafe noir 500 g", 5)
    assert attributes == [("grind", "beans")]
    for q, expected in (("noir", [PRODUCT_ID]), ("creme", [])):
        found, _ = search_products(orion.read, SearchQuery(store_id=STORE_ID, q=q))
        assert [r["product_id"] for r in found] == expected, q

    live = dump(orion, "storefront_search")
    rebuild_all(orion)
    assert dump(orion, "storefront_search") == live


def test_a_v1_publish_then_unpublish_leaves_the_shop(orion: Orion) -> None:
    insert_golden_sample(orion, "Product.Unpublished")  # Created, Published v1, Unpublished
    orion.projections.run_until_caught_up()

    assert shop_rows(orion) == (None, [])
    rebuild_all(orion)
    assert shop_rows(orion) == (None, [])
