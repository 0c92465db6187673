"""Helpers to fill the log quickly and to compare read models row by row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from application.context import CommandContext
from interfaces.bootstrap import Orion
from tests.builders import random_code, variant


def fill(orion: Orion, products: int, *, publish_every: int = 2) -> str:
    """Register a store and create (and publish some) products through the use cases."""
    ctx = CommandContext(actor="test:fill")
    code = random_code()
    store = orion.stores.register(
        ctx, code=code, name="Fill", country="LU", currency="EUR", locale="en"
    )
    for n in range(products):
        made = orion.catalog.create_product(
            ctx,
            store.id,
            title=f"Product {n} wool",
            description=f"description {n}",
            variants=[variant(amount=100 + n, colour=("red", "blue")[n % 2])],
        )
        if n % publish_every == 0:
            orion.catalog.publish(ctx, store.id, made.id)
    return code


def dump(orion: Orion, name: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every live table of a projection, in a stable order."""
    tables = orion.read.registry.live(name)
    out: dict[str, list[dict[str, Any]]] = {}
    with orion.read.engine.connect() as conn:
        for key, table in tables.items():
            rows = [
                {k: v for k, v in r._mapping.items() if k != "document"}
                for r in conn.execute(select(table))
            ]
            out[key] = sorted(rows, key=lambda r: repr(sorted(r.items(), key=str)))
    return out


def dump_all(orion: Orion) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {name: dump(orion, name) for name in orion.projections.projections}


def rebuild_all(orion: Orion) -> None:
    """Rebuild every read model, and wait until the rebuilds are reported done."""
    names = list(orion.projections.projections)
    for name in names:
        orion.projections.request_rebuild(name)
    while any(orion.projections.status(name).state == "rebuilding" for name in names):
        orion.projections.run_once(names)
