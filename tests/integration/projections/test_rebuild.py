"""Rebuild while writes go on: nothing lost, nothing counted twice, queries served throughout."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from application.context import CommandContext
from interfaces.bootstrap import Orion
from projections.catalog.queries import SearchQuery, search_products
from projections.stores.queries import get_store_by_code
from tests.builders import variant
from tests.integration.projections.helpers import dump_all, fill, rebuild_all


def _count(orion: Orion, projection: str, table: str) -> int:
    t = orion.read.registry.live(projection)[table]
    with orion.read.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t)).scalar_one())


def test_rebuild_under_concurrent_writes_loses_and_doubles_nothing(orion: Orion) -> None:
    code = fill(orion, 300)
    store_id = get_store_by_code_now(orion, code)
    orion.projections.run_until_caught_up()
    # Small batches: the rebuild takes many steps, with writes and queries in between.
    orion.projections.batch_size = orion.projections.rebuild_batch_size = 100
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        ctx = CommandContext(actor="test:writer")
        try:
            while not stop.is_set():
                made = orion.catalog.create_product(
                    ctx, store_id, title="Concurrent wool", variants=[variant(amount=500)]
                )
                orion.catalog.publish(ctx, store_id, made.id)
                written.append(1)
        except BaseException as error:  # surfaced below
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        served_during_rebuild = 0
        for name in orion.projections.projections:
            orion.projections.request_rebuild(name)
        while any(
            orion.projections.status(n).state == "rebuilding" for n in orion.projections.projections
        ):
            orion.projections.run_once()
            # Queries keep being answered from the old generation meanwhile.
            rows, _ = search_products(orion.read, SearchQuery(store_id=store_id, q="wool", limit=5))
            served_during_rebuild += len(rows) > 0
        stop.set()
        thread.join()
        assert not errors, errors
        orion.projections.run_until_caught_up(timeout=120)
    finally:
        stop.set()

    assert served_during_rebuild > 0
    assert written, "the writer never wrote during the rebuild"
    for name in orion.projections.projections:
        status = orion.projections.status(name)
        assert status.generation == 2 and status.position == orion.platform.head(), status
        orion.read.registry.set_live(name, status.generation)
    assert _count(orion, "catalog", "products") == 300 + len(written)
    assert _count(orion, "audit_log", "events") == orion.platform.head()
    shop = _count(orion, "storefront_search", "shop_products")
    assert shop == 150 + len(written)

    live = dump_all(orion)
    rebuild_all(orion)
    assert dump_all(orion) == live


def get_store_by_code_now(orion: Orion, code: str):  # type: ignore[no-untyped-def]
    orion.projections.run_until_caught_up(["stores"])
    store = get_store_by_code(orion.read, code)
    assert store is not None
    return store["store_id"]
