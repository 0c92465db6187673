"""Queries over the invoices read model: a store's invoices and credit notes, one of them, and
the figures of its VAT return and OSS quarterly return.

The figures:

- **VAT return** (``vat_report``): per regime and rate, the taxable amount and the VAT of every
  document issued in the period (issue dates, both ends included). A credit note counts, with
  its negative amounts, in the period it is issued, whatever the period of its invoice.
- **OSS return** (``oss_report``): the same, for the sales taxed at destination under the
  Union scheme only (regime ``eu_b2c_destination``), per member state of destination and rate,
  for a calendar quarter.

Amounts are integer minor units of the documents' currency; a store invoices in one currency.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select

from domain.invoices.values import REGIMES
from domain.shared.errors import ValidationError
from projections.invoices.projector import NAME
from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor

OSS_REGIME = "eu_b2c_destination"
SUMMARY_COLUMNS = (
    "invoice_id",
    "order_id",
    "customer_id",
    "kind",
    "status",
    "number_text",
    "issue_date",
    "due_date",
    "currency",
    "regime",
    "buyer_country",
    "buyer_company",
    "buyer_vat_number",
    "net",
    "vat",
    "gross",
    "original_id",
    "original_number",
    "issued_at",
    "version",
)
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    "year",
    "number",
    "supply_date",
    "language",
    "prices_include_vat",
    "seller_country",
    "seller_name",
    "seller_vat_number",
    "lines",
    "shipping",
    "breakdown",
    "mentions",
    "original_issue_date",
    "reason",
    "credit_notes",
    "updated_at",
)
_QUARTER = re.compile(r"^([0-9]{4})-[Qq]([1-4])$")


def _dict(row: Row[Any]) -> dict[str, Any]:
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def list_invoices(
    rm: ReadModels,
    store_id: UUID,
    *,
    issued_from: date | None = None,
    issued_to: date | None = None,
    kind: str | None = None,
    status: str | None = None,
    customer_id: UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first (in the order they were issued); ``issued_to`` is included."""
    t = rm.tables(NAME)["invoices"]
    query = select(*(t.c[c] for c in ("position", *SUMMARY_COLUMNS))).where(
        t.c.store_id == store_id
    )
    if issued_from is not None:
        query = query.where(t.c.issue_date >= issued_from)
    if issued_to is not None:
        query = query.where(t.c.issue_date <= issued_to)
    if kind:
        query = query.where(t.c.kind == kind)
    if status:
        query = query.where(t.c.status == status)
    if customer_id is not None:
        query = query.where(t.c.customer_id == customer_id)
    if cursor:
        (before,) = decode_cursor(cursor, 1, (int,))
        query = query.where(t.c.position < before)
    query = query.order_by(t.c.position.desc()).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [_dict(r) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1]["position"]]) if more else None
    for row in rows:
        del row["position"]
    return rows, next_cursor


def get_invoice(rm: ReadModels, store_id: UUID, invoice_id: UUID) -> dict[str, Any] | None:
    """One invoice or credit note of this store; another store's is None."""
    t = rm.tables(NAME)["invoices"]
    query = select(*(t.c[c] for c in DETAIL_COLUMNS)).where(
        t.c.store_id == store_id, t.c.invoice_id == invoice_id
    )
    with rm.engine.connect() as conn:
        row = conn.execute(query).first()
    return _dict(row) if row is not None else None


def list_invoice_ids_of_customer(rm: ReadModels, store_id: UUID, customer_id: UUID) -> list[UUID]:
    """The ids of a customer's invoices and credit notes."""
    t = rm.tables(NAME)["invoices"]
    query = select(t.c.invoice_id).where(t.c.store_id == store_id, t.c.customer_id == customer_id)
    with rm.engine.connect() as conn:
        return list(conn.execute(query).scalars())


# -- the VAT figures ----------------------------------------------------------------------------


def quarter_dates(quarter: str, field: str = "quarter") -> tuple[date, date]:
    """The first and last day of a calendar quarter written ``2026-Q3``."""
    match = _QUARTER.match(quarter or "")
    if not match:
        raise ValidationError(field, "must be a quarter, e.g. 2026-Q3")
    year, q = int(match.group(1)), int(match.group(2))
    if year < 1:
        raise ValidationError(field, "must be a quarter of a year from 0001 to 9999, e.g. 2026-Q3")
    first = date(year, 3 * q - 2, 1)
    if q == 4:  # computed within the year: the day after 9999-12-31 is no date
        return first, date(year, 12, 31)
    return first, date.fromordinal(date(year, 3 * q + 1, 1).toordinal() - 1)


def _rate_order(rate: str) -> Decimal:
    return -Decimal(rate)  # highest rate first


def vat_report(
    rm: ReadModels, store_id: UUID, issued_from: date, issued_to: date
) -> dict[str, Any]:
    """Per regime and rate, the taxable amount and the VAT of the documents issued from
    ``issued_from`` to ``issued_to`` (both included), credit notes negative; with the totals
    and the currency (None when nothing was issued)."""
    if issued_to < issued_from:
        raise ValidationError("to", "must not be before from")
    found = _figures(rm, store_id, "regime", issued_from, issued_to)
    order = {regime: i for i, regime in enumerate(REGIMES)}
    found.sort(key=lambda r: (order.get(r["regime"], len(order)), _rate_order(r["rate"])))
    return {
        "from": issued_from,
        "to": issued_to,
        **_totals(rm, store_id, found),
    }


def oss_report(rm: ReadModels, store_id: UUID, quarter: str) -> dict[str, Any]:
    """Per member state of destination and rate, the taxable amount and the VAT of the sales
    taxed at destination (the Union OSS scheme) in ``quarter`` (``2026-Q3``), credit notes in
    the quarter they are issued."""
    first, last = quarter_dates(quarter)
    found = [
        {"country": row.pop("buyer_country"), **row}
        for row in _figures(rm, store_id, "buyer_country", first, last, regime=OSS_REGIME)
    ]
    found.sort(key=lambda r: (r["country"], _rate_order(r["rate"])))
    return {
        "quarter": f"{first.year}-Q{(first.month + 2) // 3}",
        "from": first,
        "to": last,
        **_totals(rm, store_id, found),
    }


def _figures(
    rm: ReadModels,
    store_id: UUID,
    by: str,
    first: date,
    last: date,
    *,
    regime: str | None = None,
) -> list[dict[str, Any]]:
    """The documents' taxable amounts and VAT issued from ``first`` to ``last`` (both
    included), summed per ``by`` (a column of ``vat_lines``) and rate."""
    t = rm.tables(NAME)["vat_lines"]
    column = t.c[by]
    query = (
        select(
            column,
            t.c.rate,
            func.sum(t.c.taxable).label("taxable"),
            func.sum(t.c.vat).label("vat"),
            func.count().label("documents"),
        )
        .where(t.c.store_id == store_id, t.c.issue_date >= first, t.c.issue_date <= last)
        .group_by(column, t.c.rate)
    )
    if regime is not None:
        query = query.where(t.c.regime == regime)
    with rm.engine.connect() as conn:
        return [
            {
                by: row[0],
                "rate": row.rate,
                "taxable": int(row.taxable),
                "vat": int(row.vat),
                "documents": int(row.documents),
            }
            for row in conn.execute(query)
        ]


def _totals(rm: ReadModels, store_id: UUID, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "currency": _currency(rm, store_id),
        "rows": rows,
        "taxable": sum(r["taxable"] for r in rows),
        "vat": sum(r["vat"] for r in rows),
    }


def _currency(rm: ReadModels, store_id: UUID) -> str | None:
    t = rm.tables(NAME)["invoices"]
    query = select(t.c.currency).where(t.c.store_id == store_id).limit(1)
    with rm.engine.connect() as conn:
        found = conn.execute(query).scalar()
    return str(found) if found is not None else None
