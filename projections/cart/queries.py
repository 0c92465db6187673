"""Queries over the carts read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from projections.cart.tables import ACTIVE
from projections.read import ReadModels


def abandoned_carts(rm: ReadModels, store_id: UUID, idle_since: datetime) -> dict[str, Any]:
    """The store's carts that hold lines and have not moved since ``idle_since``: how many, and
    the value of what they hold (minor units of the store's currency)."""
    t = rm.tables("carts")["carts"]
    # Stored as UTC (SQLite keeps naive text, compared as such): compare in UTC too.
    since = idle_since.astimezone(UTC)
    query = select(
        func.count(),
        func.coalesce(func.sum(t.c.subtotal), 0),
        func.coalesce(func.sum(t.c.item_count), 0),
        func.min(t.c.currency),
    ).where(t.c.store_id == store_id, t.c.status == ACTIVE, t.c.last_activity_at < since)
    with rm.engine.connect() as conn:
        count, value, items, currency = conn.execute(query).one()
    return {
        "count": int(count),
        "value": int(value),
        "item_count": int(items),
        "currency": currency,
    }


def get_cart(rm: ReadModels, cart_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("carts")["carts"]
    with rm.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.cart_id == cart_id)).first()
    return dict(row._mapping) if row else None
