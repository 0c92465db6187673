"""Queries over the orders read models: the order desk, an order with its lines and timeline,
a customer's history, and the store's dashboard (definitions in ``projector``'s docstring).

Rows are plain dicts; datetimes are UTC-aware on both backends. The e-mail of a person erased
since the read model last caught up reads as None already (``projections.erasure``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, Table, func, select
from sqlalchemy.exc import SQLAlchemyError

from domain.shared.errors import ValidationError
from projections.erasure import mask_erased
from projections.errors import ReadModelNotReadyError
from projections.inventory.queries import list_low_stock
from projections.orders.numbers import NAME as NUMBERS
from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor
from projections.text import fold

ORDER_COLUMNS = (
    "order_id",
    "store_id",
    "number",
    "number_text",
    "customer_id",
    "email",
    "status",
    "payment_method",
    "shipping_method",
    "destination_country",
    "currency",
    "subtotal",
    "shipping",
    "discount",
    "tax",
    "total",
    "paid_amount",
    "refunded_amount",
    "item_count",
    "payment_due_at",
    "placed_at",
    "updated_at",
    "version",
)
# Read with the others to mask an erased person's e-mail; not part of the answer.
SUBJECT = "subject_id"
LINE_COLUMNS = (
    "sku",
    "product_id",
    "title",
    "attributes",
    "quantity",
    "unit_price",
    "line_total",
    "shipped_quantity",
    "refunded_quantity",
)
TIMELINE_COLUMNS = ("version", "type", "summary", "actor", "details", "at")
MAX_DASHBOARD_DAYS = 366
TOP_PRODUCTS = 10
LOW_STOCK_ITEMS = 50
PENDING_PAYMENT = "pending_payment"
OVERDUE_BATCH = 1000  # overdue orders per run of the payment timeout: the rest a minute later
_NUMBER = re.compile(r"^(?:[A-Za-z0-9_-]+-)?0*(\d{1,9})$")


# -- the order desk ------------------------------------------------------------------------------


def list_orders(
    rm: ReadModels,
    store_id: UUID,
    *,
    status: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    customer_id: UUID | None = None,
    min_total: int | None = None,
    max_total: int | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first (by number). ``q`` is an order number (``ACME-000042``, ``000042``,
    ``42``) or part of an e-mail; ``placed_to`` is inclusive."""
    t = rm.tables("orders")["orders"]
    query = _columns(t, (*ORDER_COLUMNS, SUBJECT)).where(t.c.store_id == store_id)
    if status:
        query = query.where(t.c.status == status)
    if placed_from is not None:
        query = query.where(t.c.placed_at >= _utc(placed_from))
    if placed_to is not None:
        query = query.where(t.c.placed_at <= _utc(placed_to))
    if customer_id is not None:
        query = query.where(t.c.customer_id == customer_id)
    if min_total is not None:
        query = query.where(t.c.total >= min_total)
    if max_total is not None:
        query = query.where(t.c.total <= max_total)
    q = (q or "").strip()
    if q:
        query = query.where(_matches(t, q))
    rows, next_cursor = _page(rm, t, query, cursor, limit)
    # An order found by an erased person's e-mail is left out; one found by its number stays.
    return _orders(rm, rows, searched=bool(q) and not _NUMBER.match(q)), next_cursor


def get_order(rm: ReadModels, store_id: UUID, order_id: UUID) -> dict[str, Any] | None:
    """An order of this store with its lines and timeline; another store's order is None."""
    tables = rm.tables("orders")
    t, lines, timeline = tables["orders"], tables["order_lines"], tables["order_timeline"]
    with rm.engine.connect() as conn:
        row = conn.execute(
            _columns(t, (*ORDER_COLUMNS, SUBJECT, "tax_breakdown")).where(
                t.c.store_id == store_id, t.c.order_id == order_id
            )
        ).first()
        if row is None:
            return None
        order = _dict(row)
        order["lines"] = [
            _dict(r)
            for r in conn.execute(
                _columns(lines, LINE_COLUMNS)
                .where(lines.c.order_id == order_id)
                .order_by(lines.c.position)
            )
        ]
        order["timeline"] = [
            _dict(r)
            for r in conn.execute(
                _columns(timeline, TIMELINE_COLUMNS)
                .where(timeline.c.order_id == order_id)
                .order_by(timeline.c.version)
            )
        ]
    return _orders(rm, [order])[0]


def orders_of_customer(
    rm: ReadModels,
    store_id: UUID,
    customer_id: UUID,
    *,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], str | None]:
    t = rm.tables("orders")["orders"]
    query = _columns(t, (*ORDER_COLUMNS, SUBJECT)).where(
        t.c.store_id == store_id, t.c.customer_id == customer_id
    )
    rows, next_cursor = _page(rm, t, query, cursor, limit)
    return _orders(rm, rows), next_cursor


# -- the dashboard -------------------------------------------------------------------------------


def dashboard(
    rm: ReadModels, store_id: UUID, date_from: date, date_to: date, *, now: datetime
) -> dict[str, Any]:
    """The store's figures for the days ``date_from`` to ``date_to`` (both included), and its
    low-stock items at ``now``."""
    if date_from > date_to:
        raise ValidationError("from", "must be on or before 'to'")
    span = (date_to - date_from).days + 1
    if span > MAX_DASHBOARD_DAYS:
        raise ValidationError("to", f"the range may span at most {MAX_DASHBOARD_DAYS} days")
    tables = rm.tables("dashboard")
    days, sold, orders, stores = (
        tables["days"],
        tables["product_days"],
        tables["orders"],
        tables["stores"],
    )
    in_range = (days.c.store_id == store_id) & days.c.day.between(date_from, date_to)
    with rm.engine.connect() as conn:
        currency = conn.execute(
            select(stores.c.currency).where(stores.c.store_id == store_id)
        ).scalar()
        by_day = {
            _day(r.day): r
            for r in conn.execute(
                select(days.c.day, days.c.orders, days.c.cancelled, days.c.revenue).where(in_range)
            )
        }
        statuses = {
            r.status: int(r.n)
            for r in conn.execute(
                select(orders.c.status, func.count().label("n"))
                .where(orders.c.store_id == store_id, orders.c.day.between(date_from, date_to))
                .group_by(orders.c.status)
            )
        }
        revenue_sum = func.sum(sold.c.revenue)
        top = [
            {
                "sku": r.sku,
                "product_id": r.product_id,
                "title": r.title,
                "quantity": int(r.quantity),
                "revenue": int(r.revenue),
            }
            for r in conn.execute(
                select(
                    sold.c.sku,
                    sold.c.product_id,
                    func.max(sold.c.title).label("title"),
                    func.sum(sold.c.quantity).label("quantity"),
                    revenue_sum.label("revenue"),
                )
                .where(sold.c.store_id == store_id, sold.c.day.between(date_from, date_to))
                .group_by(sold.c.sku, sold.c.product_id)
                .having(revenue_sum > 0)
                .order_by(revenue_sum.desc(), sold.c.sku)
                .limit(TOP_PRODUCTS)
            )
        ]
    series: list[dict[str, Any]] = []
    for n in range(span):
        day = date_from + timedelta(days=n)
        row = by_day.get(day)
        series.append(
            {
                "date": day,
                "orders": int(row.orders) if row else 0,
                "cancelled": int(row.cancelled) if row else 0,
                "revenue": int(row.revenue) if row else 0,
            }
        )
    revenue = sum(d["revenue"] for d in series)
    counted = sum(d["orders"] - d["cancelled"] for d in series)
    return {
        "store_id": store_id,
        "currency": currency,
        "from": date_from,
        "to": date_to,
        "revenue": revenue,
        "orders": sum(d["orders"] for d in series),
        "cancelled": sum(d["cancelled"] for d in series),
        "average_order_value": average(revenue, counted),
        "days": series,
        "orders_by_status": dict(sorted(statuses.items())),
        "top_products": top,
        "low_stock": low_stock(rm, store_id, now),
    }


def average(revenue: int, orders: int) -> int:
    """revenue ÷ orders, rounded half up to a whole minor unit (0 without orders)."""
    return (2 * revenue + orders) // (2 * orders) if orders > 0 else 0


def low_stock(rm: ReadModels, store_id: UUID, now: datetime) -> list[dict[str, Any]]:
    """The store's low-stock items at ``now``, from the inventory read model (none when it is
    absent): the dashboard must not fail because another read model is missing or not ready."""
    if "inventory" not in rm.registry.projections:
        return []
    try:
        return list_low_stock(rm, store_id, now=now, limit=LOW_STOCK_ITEMS)
    except (SQLAlchemyError, LookupError, ReadModelNotReadyError):
        return []


# -- for the payment timeout, checkout and the confirmation mail ---------------------------------


def list_pending_payment_orders(
    rm: ReadModels, now: datetime, *, limit: int = OVERDUE_BATCH
) -> list[tuple[UUID, UUID]]:
    """(store id, order id) of the orders the read model has pending payment and due by
    ``now``, the longest due first. The aggregate decides for each (the read model may lag);
    an order the read model has not seen yet is found a minute later."""
    if "orders" not in rm.registry.projections:
        return []
    try:
        orders = rm.tables("orders")["orders"]
    except ReadModelNotReadyError:
        return []
    query = (
        select(orders.c.store_id, orders.c.order_id)
        .where(
            orders.c.status == PENDING_PAYMENT,
            orders.c.payment_due_at.is_not(None),
            orders.c.payment_due_at <= now,
        )
        .order_by(orders.c.payment_due_at)
        .limit(limit)
    )
    with rm.engine.connect() as conn:
        return [(row.store_id, row.order_id) for row in conn.execute(query)]


def get_order_number(rm: ReadModels, store_id: UUID, order_id: UUID) -> str | None:
    """The order's number ("ACME-000042"), or None while the numbers read model has not
    reached it (``projections/orders/numbers.py``): checkout answers with it."""
    if NUMBERS not in rm.registry.projections:
        return None
    try:
        numbers = rm.tables(NUMBERS)["numbers"]
    except ReadModelNotReadyError:
        return None
    query = select(numbers.c.number_text).where(
        numbers.c.store_id == store_id, numbers.c.order_id == order_id
    )
    with rm.engine.connect() as conn:
        number = conn.execute(query).scalar()
    return str(number) if number is not None else None


# -- helpers --------------------------------------------------------------------------------------


def _columns(t: Table, names: tuple[str, ...]) -> Select[Any]:
    return select(*(t.c[n] for n in names))


def _matches(t: Table, q: str) -> ColumnElement[bool]:
    """An order number, or a case-insensitive "contains" on the e-mail."""
    matches: ColumnElement[bool] = t.c.email.like(_contains(q.lower()), escape="\\")
    folded = fold(q)
    if folded:
        matches = matches | t.c.email_folded.like(_contains(folded), escape="\\")
    number = _NUMBER.match(q)
    if number:
        matches = matches | (t.c.number == int(number.group(1)))
    return matches


def _page(
    rm: ReadModels, t: Table, query: Select[Any], cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first: ``limit`` rows with a number below the cursor's, and the next cursor."""
    if cursor:
        (before,) = decode_cursor(cursor, 1, (int,))
        query = query.where(t.c.number < before)
    query = query.order_by(t.c.number.desc()).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [_dict(r) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1]["number"]]) if more else None)


def _orders(
    rm: ReadModels, rows: list[dict[str, Any]], *, searched: bool = False
) -> list[dict[str, Any]]:
    rows = mask_erased(rm, rows, subject=SUBJECT, personal=("email",), searched=searched)
    for row in rows:
        del row[SUBJECT]
    return rows


def _dict(row: Row[Any]) -> dict[str, Any]:
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
