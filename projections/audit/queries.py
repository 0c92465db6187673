from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor


def list_events(
    rm: ReadModels,
    *,
    store_id: UUID | None = None,
    aggregate_id: UUID | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], str | None]:
    """Oldest first, in log order; ``event_type`` matches "Product.Published" or "Published"."""
    t = rm.tables("audit_log")["events"]
    query = select(t)
    if store_id is not None:
        query = query.where(t.c.store_id == store_id)
    if aggregate_id is not None:
        query = query.where(t.c.aggregate_id == aggregate_id)
    if actor:
        query = query.where(t.c.actor == actor)
    if event_type:
        if "." in event_type:
            query = query.where(t.c.event_type == event_type)
        else:
            query = query.where(t.c.event_type.like(f"%.{event_type}"))
    if since is not None:
        query = query.where(t.c.occurred_at >= since)
    if until is not None:
        query = query.where(t.c.occurred_at < until)
    if cursor:
        (after,) = decode_cursor(cursor, 1, (int,))
        query = query.where(t.c.position > after)
    query = query.order_by(t.c.position).limit(limit + 1)
    with rm.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["occurred_at"] = as_utc(row["occurred_at"])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1]["position"]]) if more else None)
