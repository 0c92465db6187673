"""Queries over the catalog read models: the team's product list and the storefront search."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Double,
    and_,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)

from domain.shared.errors import ValidationError
from domain.shared.money import MAX_AMOUNT
from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor, parse_dt
from projections.text import fold, tokens

RELEVANCE_WINDOW = 1000
SORTS = ("relevance", "price_asc", "price_desc", "newest")
SORT_ALIASES = {"price": "price_asc", "-price": "price_desc", "-newest": "newest"}


def _row(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in ("created_at", "updated_at", "published_at"):
        if key in data:
            data[key] = as_utc(data[key])
    return data


# -- the store team's list ---------------------------------------------------------------------


def get_product(rm: ReadModels, store_id: UUID, product_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("catalog")["products"]
    with rm.engine.connect() as conn:
        row = conn.execute(
            select(t).where(t.c.product_id == product_id, t.c.store_id == store_id)
        ).first()
    return _row(row) if row else None


def list_products(
    rm: ReadModels,
    store_id: UUID,
    *,
    status: str | None = None,
    q: str | None = None,
    sku: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """Every status, newest change first; ``q`` matches the title, ``sku`` one of the SKUs."""
    t = rm.tables("catalog")["products"]
    query = select(t).where(t.c.store_id == store_id)
    if status:
        query = query.where(t.c.status == status)
    if q:
        for word in tokens(q):
            query = query.where(t.c.title_folded.like(f"%{_escape(word)}%", escape="\\"))
    if sku:
        folded = fold(sku)
        query = query.where(
            or_(t.c.skus == folded, t.c.skus.like(f"%{_escape(folded)}%", escape="\\"))
        )
    if cursor:
        updated, product_id = decode_cursor(cursor, 2, (parse_dt, UUID))
        query = query.where(tuple_(t.c.updated_at, t.c.product_id) < tuple_(updated, product_id))
    query = query.order_by(t.c.updated_at.desc(), t.c.product_id.desc()).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([rows[-1]["updated_at"].isoformat(), str(rows[-1]["product_id"])])
        if more
        else None
    )
    return rows, next_cursor


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- the storefront -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    store_id: UUID
    q: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    cursor: str | None = None
    limit: int = 24


def normalise_sort(sort: str | None, has_text: bool) -> str:
    chosen = SORT_ALIASES.get(sort or "", sort or "relevance")
    if chosen not in SORTS:
        raise ValidationError("sort", f"must be one of: {', '.join(SORTS)}")
    # Without words there is nothing to rank by: relevance means newest first.
    return "newest" if chosen == "relevance" and not has_text else chosen


def get_shop_product(rm: ReadModels, store_id: UUID, product_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("storefront_search")["shop_products"]
    with rm.engine.connect() as conn:
        row = conn.execute(
            select(*_shop_columns(t)).where(t.c.product_id == product_id, t.c.store_id == store_id)
        ).first()
    return _row(row) if row else None


def _shop_columns(t: Any) -> list[Any]:
    return [
        t.c.product_id,
        t.c.store_id,
        t.c.title,
        t.c.description,
        t.c.tax_category,
        t.c.variants,
        t.c.price_min,
        t.c.price_max,
        t.c.currency,
        t.c.published_at,
    ]


def search_products(rm: ReadModels, search: SearchQuery) -> tuple[list[dict[str, Any]], str | None]:
    tables = rm.tables("storefront_search")
    t, attrs = tables["shop_products"], tables["attributes"]
    words = tokens(search.q or "")
    sort = normalise_sort(search.sort, bool(words))
    dialect = rm.engine.dialect.name

    rank: ColumnElement[Any] | None = None
    query: Any  # a Select; its column types vary with the branch taken
    id_column: Any = t.c.product_id
    if words and dialect == "postgresql":
        ts = func.to_tsquery(
            literal_column("'simple'::regconfig"), " & ".join(f"{w}:*" for w in words)
        )
        document: Any = literal_column(f"{t.name}.document")
        matches = _filtered(select(*_shop_columns(t)), t, attrs, search).where(
            document.op("@@")(ts)
        )
        if sort == "relevance":
            # Ranking reads every match; a word in a fifth of the catalogue would cost tens of
            # milliseconds. Relevance therefore ranks the RELEVANCE_WINDOW newest matches
            # (all of them for any specific query); sort by newest or price to page past them.
            candidates = (
                matches.add_columns(document.label("document"))
                .order_by(t.c.published_at.desc(), t.c.product_id)
                .limit(RELEVANCE_WINDOW)
                .subquery("candidates")
            )
            # Higher is better in ts_rank; negated, every sort is ascending on its expression.
            # As double precision, the rank a cursor carries compares exactly (a real's text
            # form does not round-trip through a Python float).
            rank = -cast(func.ts_rank(candidates.c.document, ts), Double)
            query = select(*[candidates.c[c.name] for c in _shop_columns(t)], rank.label("rank"))
            id_column = candidates.c.product_id
        else:
            query = matches
    elif words:
        fts = f"shop_products_fts{t.name.removeprefix('shop_products')}"
        match = " ".join(f'"{w}"*' for w in words)
        # bm25: lower is better; title and SKUs weigh most, then attributes, then description.
        rank = literal_column(f"bm25({fts}, 10.0, 1.0, 8.0, 4.0)")
        query = _filtered(
            select(*_shop_columns(t), rank.label("rank"))
            .select_from(t.join(text(fts), text(f"{fts}.rowid = {t.name}.rowid")))
            .where(text(f"{fts} MATCH :match").bindparams(match=match)),
            t,
            attrs,
            search,
        )
    else:
        query = _filtered(select(*_shop_columns(t)), t, attrs, search)

    (column, descending), key_of = _ordering(t, sort, rank)
    if search.cursor:
        kind = _finite if sort == "relevance" else _amount if sort.startswith("price") else parse_dt
        first, product_id = decode_cursor(search.cursor, 2, (kind, UUID))
        query = query.where(_after(column, id_column, first, product_id, descending))
    query = query.order_by(column.desc() if descending else column, id_column).limit(
        search.limit + 1
    )
    with rm.engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(query)]
    more = len(rows) > search.limit
    rows = rows[: search.limit]
    next_cursor = encode_cursor([key_of(rows[-1]), str(rows[-1]["product_id"])]) if more else None
    for r in rows:
        r.pop("rank", None)
    return rows, next_cursor


def _filtered(query: Any, t: Any, attrs: Any, search: SearchQuery) -> Any:
    """The store, price range and attribute filters every search applies."""
    query = query.where(t.c.store_id == search.store_id)
    if search.min_price is not None:
        query = query.where(t.c.price_min >= search.min_price)
    if search.max_price is not None:
        query = query.where(t.c.price_min <= search.max_price)
    for name, value in search.attributes:
        query = query.where(
            exists().where(
                attrs.c.product_id == t.c.product_id,
                attrs.c.store_id == search.store_id,
                attrs.c.name == name.strip().lower(),
                attrs.c.value == fold(value),
            )
        )
    return query


def _ordering(t: Any, sort: str, rank: ColumnElement[Any] | None) -> tuple[Any, Any]:
    if sort == "relevance" and rank is not None:
        return (rank, False), lambda row: row["rank"]
    if sort == "price_asc":
        return (t.c.price_min, False), lambda row: row["price_min"]
    if sort == "price_desc":
        return (t.c.price_min, True), lambda row: row["price_min"]
    return (t.c.published_at, True), lambda row: row["published_at"].isoformat()


def _after(
    column: Any, id_column: Any, value: Any, last_id: UUID, descending: bool
) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after (value, last_id) in the chosen order."""
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, id_column > last_id))


def _amount(value: object) -> int:
    """A price in a cursor: an integer a BIGINT (and SQLite) can hold, else a 422."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AMOUNT:
        raise ValueError(value)
    return value


def _finite(value: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(value)
    return number
