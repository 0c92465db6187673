from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select, tuple_

from projections.read import ReadModels, decode_cursor, encode_cursor, parse_dt
from projections.text import fold


def get_store(rm: ReadModels, store_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("stores")["stores"]
    with rm.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.store_id == store_id)).first()
    return dict(row._mapping) if row else None


def get_store_by_code(rm: ReadModels, code: str) -> dict[str, Any] | None:
    t = rm.tables("stores")["stores"]
    with rm.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.code == code.strip().lower())).first()
    return dict(row._mapping) if row else None


def list_stores(
    rm: ReadModels,
    *,
    status: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    t = rm.tables("stores")["stores"]
    query = select(t)
    if status:
        query = query.where(t.c.status == status)
    if q:
        # Case- and accent-insensitive on both backends (SQLite's lower() is ASCII only), and
        # LIKE's wildcards in q are literal characters.
        matches: ColumnElement[bool] = t.c.code.like(_contains(q.strip().lower()), escape="\\")
        if fold(q):
            matches = matches | t.c.name_folded.like(_contains(fold(q)), escape="\\")
        query = query.where(matches)
    if cursor:
        created, store_id = decode_cursor(cursor, 2, (parse_dt, UUID))
        query = query.where(tuple_(t.c.created_at, t.c.store_id) > tuple_(created, store_id))
    query = query.order_by(t.c.created_at, t.c.store_id).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([rows[-1]["created_at"].isoformat(), str(rows[-1]["store_id"])])
        if more
        else None
    )
    return rows, next_cursor


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
