"""Rebuild while writes go on: nothing lost, nothing counted twice, queries served throughout."""

from __future__ import annotations

import threading
from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from application.context import CommandContext
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from projections.catalog.queries import SearchQuery, search_products
from projections.stores.queries import get_store_by_code
from tests.builders import variant, wait_for
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
                    ctx,
                    store_id,
                    title="Concurrent wool",
                    variants=[variant(f"CONCURRENT-{len(written)}", amount=500)],
                )
                orion.catalog.publish(ctx, store_id, made.id)
                written.append(1)
                # A steady stream, not a flood that a rebuild could never catch up with on a
                # loaded machine (a swap waits until the rebuild has reached the head).
                stop.wait(0.005)
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


def test_a_rebuild_reported_done_is_what_every_process_reads(
    orion: Orion, settings: Settings, admin_headers: dict[str, str]
) -> None:
    """Once the admin API (or the CLI, which waits for the same status) says a rebuild is done,
    the queries of every API process read the new tables, not only those of the process that
    swapped them in."""
    fill(orion, 20)
    orion.projections.run_until_caught_up()
    names = list(orion.projections.projections)
    other = bootstrap(settings)  # another API process on the same database
    try:
        with TestClient(create_app(other, run_projections=False)) as api:

            def reported() -> dict[str, Any]:
                answer = api.get("/api/v1/admin/projections", headers=admin_headers)
                assert answer.status_code == 200, answer.text
                items = answer.json()["items"]
                return {p["name"]: p for p in items if p["kind"] == "read_model"}

            assert {p["generation"] for p in reported().values()} == {1}
            for name in names:
                orion.projections.request_rebuild(name)
            while True:
                # The other process keeps serving queries meanwhile (from the old tables).
                for name in names:
                    other.read.tables(name)
                status = reported()
                if all(p["state"] != "rebuilding" for p in status.values()):
                    break
                orion.projections.run_once()
            assert {p["generation"] for p in status.values()} == {2}
            for name in names:
                for process in (orion, other):
                    read = {t.name for t in process.read.tables(name).values()}
                    assert all(t.endswith("_g2") for t in read), (name, read)
    finally:
        other.close()


def test_other_processes_hear_of_a_swap_before_their_cached_generation_expires(
    orion: Orion, settings: Settings
) -> None:
    """On PostgreSQL the swap is announced on the positions channel; on either backend a query
    that waits for a position learns the generation with it."""
    fill(orion, 5)
    orion.projections.run_until_caught_up()
    other = bootstrap(settings)
    other.read.registry.ttl = 3600.0  # so that only being told moves it

    def generation_read() -> int:
        tables = other.read.tables("catalog").values()
        return {int(t.name.rpartition("_g")[2]) for t in tables}.pop()

    try:
        with TestClient(create_app(other, run_projections=False)):
            assert generation_read() == 1
            orion.projections.request_rebuild("catalog")
            while orion.projections.status("catalog").generation == 1:
                orion.projections.run_once(["catalog"])
            if not settings.is_sqlite:
                wait_for(lambda: generation_read() == 2, timeout=5)
            head = orion.platform.head()
            assert anyio.run(other.read.wait_for_async, ["catalog"], head, 5.0)
            assert generation_read() == 2
    finally:
        other.close()


def get_store_by_code_now(orion: Orion, code: str):  # type: ignore[no-untyped-def]
    orion.projections.run_until_caught_up(["stores"])
    store = get_store_by_code(orion.read, code)
    assert store is not None
    return store["store_id"]
