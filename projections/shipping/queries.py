"""A store's shipping rates, from the shipping read model (``projector``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from projections.read import ReadModels
from projections.shipping.projector import NAME

RATE_COLUMNS = ("rate_id", "name", "kind", "amount", "countries", "bands", "free_over")


def list_rates(rm: ReadModels, store_id: UUID) -> tuple[list[dict[str, Any]], int]:
    """The store's rates by name, and the version its rates are at (0: none ever set)."""
    tables = rm.tables(NAME)
    sets, rates = tables["rate_sets"], tables["rates"]
    query = select(*(rates.c[c] for c in RATE_COLUMNS)).where(rates.c.store_id == store_id)
    with rm.engine.connect() as conn:
        version = conn.execute(select(sets.c.version).where(sets.c.store_id == store_id)).scalar()
        rows = [dict(r._mapping) for r in conn.execute(query)]
    # By name as Python orders text, not as the database's collation would: the same order on
    # SQLite and PostgreSQL. A store has a handful of rates.
    rows.sort(key=lambda r: (r["name"], str(r["rate_id"])))
    return rows, int(version or 0)


def get_rate(rm: ReadModels, store_id: UUID, rate_id: UUID) -> dict[str, Any] | None:
    rates = rm.tables(NAME)["rates"]
    query = select(*(rates.c[c] for c in RATE_COLUMNS)).where(
        rates.c.store_id == store_id, rates.c.rate_id == rate_id
    )
    with rm.engine.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row else None
