"""Queries over the inventory read model: stock levels, the stock ledger, locations, and the
checkout holds that have expired.

Stock levels are as at ``now``: a checkout hold stops counting when it expires, as it does in
the stock item, whether or not the log has recorded its release yet (the sweep records it
within a minute or so). Reserved is what the log holds less the expired holds; available is
on hand less reserved, never negative; an item is low when available is at or under its
threshold.

Rows are plain dicts; datetimes are UTC-aware on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Subquery,
    Table,
    and_,
    case,
    func,
    or_,
    select,
    tuple_,
    type_coerce,
)

from projections.errors import ReadModelNotReadyError
from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor
from projections.text import tokens

LEVEL_COLUMNS = (
    "stock_item_id",
    "store_id",
    "location_id",
    "sku",
    "on_hand",
    "low_stock_threshold",
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
# How many stock items with expired holds one sweep takes: the rest in the next one.
EXPIRED_BATCH = 500


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utc(row: Any, *keys: str) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in keys:
        data[key] = as_utc(data.get(key))
    return data


@dataclass(frozen=True)
class _LevelNow:
    """A stock level's time-dependent figures as SQL expressions, at one instant."""

    reserved: ColumnElement[int]
    available: ColumnElement[int]
    is_low: ColumnElement[bool]


def _expired(reservations: Table, now: datetime) -> Subquery:
    """Units of the holds that expired by ``now``, per stock item (the partial index on
    ``expires_at`` finds them: only those the sweep has not released yet)."""
    r = reservations
    return (
        select(r.c.stock_item_id, func.sum(r.c.quantity).label("units"))
        .where(r.c.expires_at.is_not(None), r.c.expires_at <= _utc_now(now))
        .group_by(r.c.stock_item_id)
        .subquery("expired")
    )


def _level_now(levels: Table, expired: Subquery) -> _LevelNow:
    reserved = levels.c.reserved - func.coalesce(expired.c.units, 0)
    left = levels.c.on_hand - reserved
    available = type_coerce(case((left > 0, left), else_=0), Integer)
    return _LevelNow(
        reserved=type_coerce(reserved, Integer),
        available=available,
        is_low=type_coerce(available <= levels.c.low_stock_threshold, Boolean),
    )


def _utc_now(now: datetime) -> datetime:
    # SQLite keeps datetimes without their offset, all in UTC: compare in UTC on both.
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def list_levels(
    rm: ReadModels,
    store_id: UUID,
    *,
    now: datetime,
    low: bool = False,
    out_of_stock: bool = False,
    sku: str | None = None,
    location_id: UUID | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Stock per (location, SKU) at ``now``, by SKU; with its product's title and the
    location's code. ``low``: available at or under the threshold; ``out_of_stock``: none."""
    tables = rm.tables("inventory")
    t, skus, products, locations = (
        tables["stock_levels"],
        tables["product_skus"],
        tables["products"],
        tables["locations"],
    )
    expired = _expired(tables["reservations"], now)
    level = _level_now(t, expired)
    joined = (
        t.outerjoin(skus, and_(skus.c.store_id == t.c.store_id, skus.c.sku_key == t.c.sku_key))
        .outerjoin(products, products.c.product_id == skus.c.product_id)
        .outerjoin(locations, locations.c.location_id == t.c.location_id)
        .outerjoin(expired, expired.c.stock_item_id == t.c.stock_item_id)
    )
    query = (
        select(
            *(t.c[n] for n in LEVEL_COLUMNS),
            level.reserved.label("reserved"),
            level.available.label("available"),
            level.is_low.label("is_low"),
            skus.c.product_id,
            products.c.title,
            locations.c.code.label("location_code"),
        )
        .select_from(joined)
        .where(t.c.store_id == store_id)
    )
    if low:
        query = query.where(level.is_low)
    if out_of_stock:
        query = query.where(level.available <= 0)
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


def list_low_stock(
    rm: ReadModels, store_id: UUID, *, now: datetime, limit: int
) -> list[dict[str, Any]]:
    """The store's items at or under their low-stock threshold at ``now``, fewest available
    first (the dashboard's list)."""
    tables = rm.tables("inventory")
    t = tables["stock_levels"]
    expired = _expired(tables["reservations"], now)
    level = _level_now(t, expired)
    query = (
        select(
            t.c.location_id,
            t.c.sku,
            t.c.on_hand,
            level.reserved.label("reserved"),
            level.available.label("available"),
            t.c.low_stock_threshold,
        )
        .select_from(t.outerjoin(expired, expired.c.stock_item_id == t.c.stock_item_id))
        .where(t.c.store_id == store_id, level.is_low)
        .order_by(level.available, t.c.sku, t.c.location_id)
        .limit(limit)
    )
    with rm.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def list_expired_holds(
    rm: ReadModels, now: datetime, *, limit: int = EXPIRED_BATCH
) -> list[tuple[UUID, UUID, str]]:
    """(store id, location id, SKU) of the stock items, in every store, holding checkout holds
    that expired by ``now`` and whose release the log has not recorded yet: what the sweep
    releases. The longest expired first. None while the read model is not there yet: the next
    sweep finds them."""
    if "inventory" not in rm.registry.projections:
        return []
    try:
        tables = rm.tables("inventory")
    except ReadModelNotReadyError:
        return []
    r, t = tables["reservations"], tables["stock_levels"]
    oldest = func.min(r.c.expires_at)
    query = (
        select(t.c.store_id, t.c.location_id, t.c.sku)
        .select_from(r.join(t, t.c.stock_item_id == r.c.stock_item_id))
        .where(r.c.expires_at.is_not(None), r.c.expires_at <= _utc_now(now))
        .group_by(t.c.stock_item_id, t.c.store_id, t.c.location_id, t.c.sku)
        .order_by(oldest, t.c.stock_item_id)
        .limit(limit)
    )
    with rm.engine.connect() as conn:
        return [(row.store_id, row.location_id, row.sku) for row in conn.execute(query)]
