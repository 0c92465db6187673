"""A read model's rows never depend on how its events were batched.

One history of every event type (``history.py``), then every read model built four ways from
the same log: live, by the projector following the commands as they came (irregular batches);
one event per batch; every event in one batch; and by a rebuild of the live read models. Every
row of every table of every projection must be the same all four ways. Each fresh build has
read-model databases of its own (``ORION_READ_DATABASE_URL``), beside the one event log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from adapters.follower import ReadModelFollower
from interfaces.bootstrap import Orion, all_projections, bootstrap
from interfaces.settings import Settings
from projections.db import make_engine
from projections.identity.projector import CustomersProjection, TeamProjection
from projections.orders.queries import get_order
from tests.golden.discovery import event_classes
from tests.integration.projections.history import MovableClock, write_history

Rows = dict[str, list[dict[str, Any]]]
EVERYTHING = 1_000_000  # a batch size no history here reaches
REBUILD_BATCH = 37  # a rebuild of a long log takes many batches: so does this one


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, MovableClock]]:
    clock = MovableClock()
    instance = bootstrap(settings, clock=clock)
    try:
        yield instance, clock
    finally:
        instance.close()


@pytest.fixture
def read_urls(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Two empty databases for read models, on the test's backend."""
    if settings.is_sqlite:
        yield [f"sqlite:///{tmp_path}/reads_{n}.db" for n in range(2)]
        return
    base, _, events = settings.database_url.rpartition("/")
    names = [f"{events}_reads_{n}" for n in range(2)]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            for name in names:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(name)))


def fresh_build(orion: Orion, url: str, batch_size: int) -> ReadModelFollower:
    """Every read model built from the whole log into an empty database."""
    engine = ReadModelFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=make_engine(url, writer=True, pool_size=2),
        projections=all_projections(orion.personal),
        batch_size=batch_size,
    )
    engine.setup()
    catch_up(engine)
    return engine


def catch_up(engine: ReadModelFollower) -> None:
    engine.run_until_caught_up(timeout=600)
    for projection in engine.projections.values():
        if isinstance(projection, TeamProjection | CustomersProjection):
            projection.shredder.drain()  # keys destroyed on a helper thread (SQLite)


def rows_of(engine: ReadModelFollower, head: int) -> Rows:
    """Every row of every table of every projection (by its name in the projection, not by
    its generation's), sorted; each projection running, error-free, at the head."""
    out: Rows = {}
    statuses = {name: engine.status(name) for name in engine.projections}
    with engine.engine.connect() as conn:
        for name, status in statuses.items():
            assert (status.state, status.error, status.position) == ("running", None, head), status
            tables = engine.registry.tables(name, status.generation)
            for key, table in tables.items():
                # Every column the database has, those made beside the table (a search
                # document) too.
                every = text(f'SELECT * FROM "{table.name}"').columns(*table.columns)
                found = conn.execute(every).mappings()
                out[f"{name}.{key}"] = sorted((dict(r) for r in found), key=_order)
            if name == "storefront_search" and conn.dialect.name == "sqlite":
                # SQLite's full-text index must match the rows it indexes (raises if not).
                fts = f"shop_products_fts_g{status.generation}"
                conn.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
    return out


def _order(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=repr)


def differences(name: str, expected: Rows, got: Rows) -> list[str]:
    found = []
    for table in sorted(expected.keys() | got.keys()):
        want, have = expected.get(table, []), got.get(table, [])
        if want == have:
            continue
        missing = [r for r in want if r not in have]
        extra = [r for r in have if r not in want]
        found.append(f"{name}: {table}: expected {missing[:3]}, got {extra[:3]}")
    return found


def test_every_read_model_is_the_same_however_its_events_are_batched(
    clocked: tuple[Orion, MovableClock], read_urls: list[str]
) -> None:
    orion, clock = clocked
    live = orion.projections
    written = write_history(orion, clock, settle=live.run_once)
    head = orion.platform.head()

    recorded = {n.topic for n in orion.app.recorder.select_notifications(1, EVERYTHING)}
    never = sorted(set(event_classes()) - recorded)
    assert not never, f"the history records no {never}"

    catch_up(live)
    ways = {"live": rows_of(live, head)}
    for url, (way, size) in zip(
        read_urls, [("one event per batch", 1), ("all in one batch", EVERYTHING)], strict=True
    ):
        engine = fresh_build(orion, url, size)
        try:
            ways[way] = rows_of(engine, head)
        finally:
            engine.engine.dispose()
    live.rebuild_batch_size = REBUILD_BATCH
    for name in live.projections:
        live.request_rebuild(name)
    catch_up(live)
    assert {live.status(n).generation for n in live.projections} == {2}
    ways["rebuilt"] = rows_of(live, head)

    # The order placed, paid, shipped 2 of 3 and refunded 1 in one batch, every way.
    for way, rows in ways.items():
        lines = {
            line["sku"]: (line["quantity"], line["shipped_quantity"], line["refunded_quantity"])
            for line in rows["orders.order_lines"]
            if line["order_id"] == written.partly_shipped
        }
        assert lines[written.partly_shipped_sku] == (3, 2, 1), way
    order = get_order(orion.read, written.store_id, written.partly_shipped)
    assert order is not None
    shipped = {line["sku"]: line["shipped_quantity"] for line in order["lines"]}
    assert shipped[written.partly_shipped_sku] == 2

    # The history leaves rows in every table: each comparison compares something.
    assert [table for table, rows in ways["live"].items() if not rows] == []
    problems = [
        problem
        for way, rows in ways.items()
        if way != "live"
        for problem in differences(way, ways["live"], rows)
    ]
    assert not problems, "\n".join(problems)
