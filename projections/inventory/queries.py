"""Queries over the inventory read model: stock levels, the stock ledger, locations.

Rows are plain dicts; datetimes are UTC-aware on both backends.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, or_, select, tuple_

from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor
from projections.text import tokens

LEVEL_COLUMNS = (
    "stock_item_id",
    "store_id",
    "location_id",
    "sku",
    "on_hand",
    "reserved",
    "available",
    "low_stock_threshold",
    "is_low",
    "version",
    "updated_at",
)
LEDGER_COLUMNS = (
    "position",
    "stock_item_id",
    "location_id",
    "sku",
    "kind",
    "on_hand_delta",
    "reserved_delta",
    "reason",
    "reference",
    "note",
    "order_id",
    "reservation_id",
    "expires_at",
    "actor",
    "on_hand_after",
    "reserved_after",
    "version",
    "at",
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utc(row: Any, *keys: str) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in keys:
        data[key] = as_utc(data.get(key))
    return data


def list_levels(
    rm: ReadModels,
    store_id: UUID,
    *,
    low: bool = False,
    out_of_stock: bool = False,
    sku: str | None = None,
    location_id: UUID | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Stock per (location, SKU), by SKU; with its product's title and the location's code."""
    tables = rm.tables("inventory")
    t, skus, products, locations = (
        tables["stock_levels"],
        tables["product_skus"],
        tables["products"],
        tables["locations"],
    )
    joined = (
        t.outerjoin(skus, and_(skus.c.store_id == t.c.store_id, skus.c.sku_key == t.c.sku_key))
        .outerjoin(products, products.c.product_id == skus.c.product_id)
        .outerjoin(locations, locations.c.location_id == t.c.location_id)
    )
    query = (
        select(
            *(t.c[n] for n in LEVEL_COLUMNS),
            skus.c.product_id,
            products.c.title,
            locations.c.code.label("location_code"),
        )
        .select_from(joined)
        .where(t.c.store_id == store_id)
    )
    if low:
        query = query.where(t.c.is_low.is_(True))
    if out_of_stock:
        query = query.where(t.c.available <= 0)
    if sku:
        query = query.where(t.c.sku_key == sku.strip().casefold())
    if location_id is not None:
        query = query.where(t.c.location_id == location_id)
    if q and q.strip():
        query = query.where(_matches(t, products, q))
    if cursor:
        key, item_id = decode_cursor(cursor, 2, (_text, UUID))
        query = query.where(tuple_(t.c.sku_key, t.c.stock_item_id) > tuple_(key, item_id))
    query = query.order_by(t.c.sku_key, t.c.stock_item_id).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [_utc(r, "updated_at") for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([rows[-1]["sku"].casefold(), str(rows[-1]["stock_item_id"])])
        if more
        else None
    )
    return rows, next_cursor


def _matches(t: Any, products: Any, q: str) -> ColumnElement[bool]:
    """Contains on the SKU (case-insensitive), or every word in the product's title."""
    on_sku: ColumnElement[bool] = t.c.sku_key.like(
        f"%{_escape(q.strip().casefold())}%", escape="\\"
    )
    words = tokens(q)
    if not words:
        return on_sku
    on_title = and_(*(products.c.title_folded.like(f"%{_escape(w)}%", escape="\\") for w in words))
    return or_(on_sku, on_title)


def ledger(
    rm: ReadModels,
    store_id: UUID,
    sku: str,
    *,
    location_id: UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every movement of a SKU, newest first."""
    t = rm.tables("inventory")["stock_ledger"]
    query = select(*(t.c[n] for n in LEDGER_COLUMNS)).where(
        t.c.store_id == store_id, t.c.sku_key == sku.strip().casefold()
    )
    if location_id is not None:
        query = query.where(t.c.location_id == location_id)
    if cursor:
        (before,) = decode_cursor(cursor, 1, (_position,))
        query = query.where(t.c.position < before)
    query = query.order_by(t.c.position.desc()).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [_utc(r, "at", "expires_at") for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1]["position"]]) if more else None)


def _text(value: object) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    return value


def _position(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise ValueError(value)
    return value


def list_locations(rm: ReadModels, store_id: UUID) -> list[dict[str, Any]]:
    """The store's locations: the default first, then by code."""
    t = rm.tables("inventory")["locations"]
    query = (
        select(t.c.location_id, t.c.store_id, t.c.code, t.c.name, t.c.is_default, t.c.created_at)
        .where(t.c.store_id == store_id)
        .order_by(t.c.is_default.desc(), t.c.code)
    )
    with rm.engine.connect() as conn:
        return [_utc(r, "created_at") for r in conn.execute(query)]
