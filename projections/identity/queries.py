"""Queries over the identity read models: users, store teams, invitations, API keys, customers.

Rows are plain dicts with the columns named in each function (never the sealed or folded
columns); datetimes are UTC-aware on both backends. A person erased since the read model last
caught up reads as erased already (``projections.erasure``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, Table, select, tuple_

from projections.erasure import mask_erased
from projections.read import ReadModels, as_utc, decode_cursor, encode_cursor, parse_dt
from projections.text import fold

USER_COLUMNS = (
    "user_id",
    "email",
    "name",
    "platform_admin",
    "status",
    "version",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "store_id",
    "user_id",
    "role",
    "email",
    "name",
    "status",
    "joined_at",
    "updated_at",
)
INVITATION_COLUMNS = (
    "invitation_id",
    "store_id",
    "email",
    "role",
    "status",
    "expires_at",
    "created_at",
)
API_KEY_COLUMNS = ("key_id", "store_id", "name", "role", "prefix", "created_at", "revoked_at")
USER_DATA = ("email", "name")
CUSTOMER_DATA = ("email", "first_name", "last_name", "phone")
CUSTOMER_COLUMNS = (
    "customer_id",
    "store_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "language",
    "marketing_consent",
    "status",
    "order_count",
    "total_spent_minor",
    "currency",
    "last_order_at",
    "version",
    "created_at",
    "updated_at",
)


# -- users ----------------------------------------------------------------------------------------


def list_users(
    rm: ReadModels,
    *,
    q: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    t = rm.tables("team")["users"]
    query = _columns(t, USER_COLUMNS)
    if status:
        query = query.where(t.c.status == status)
    searched = bool(q and q.strip())
    if searched:
        query = query.where(_matches(t, q or ""))
    rows, next_cursor = _page(rm, t, query, "user_id", cursor, limit)
    return _users(rm, rows, searched=searched), next_cursor


def get_user(rm: ReadModels, user_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("team")["users"]
    return _first(_users(rm, _all(rm, _columns(t, USER_COLUMNS).where(t.c.user_id == user_id))))


# -- teams ----------------------------------------------------------------------------------------


def list_members(rm: ReadModels, store_id: UUID) -> list[dict[str, Any]]:
    t = rm.tables("team")["team_members"]
    query = (
        _columns(t, MEMBER_COLUMNS)
        .where(t.c.store_id == store_id)
        .order_by(t.c.joined_at, t.c.user_id)
    )
    return _users(rm, _all(rm, query))


def get_member(rm: ReadModels, store_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    t = rm.tables("team")["team_members"]
    query = _columns(t, MEMBER_COLUMNS).where(t.c.store_id == store_id, t.c.user_id == user_id)
    return _first(_users(rm, _all(rm, query)))


def memberships_of(rm: ReadModels, user_id: UUID) -> list[dict[str, Any]]:
    """The stores a user belongs to, with the store's code and name (the team read model keeps
    its own copy of them: it never joins another projection's tables)."""
    tables = rm.tables("team")
    m, s = tables["team_members"], tables["stores"]
    query = (
        select(
            m.c.store_id,
            m.c.role,
            s.c.code.label("store_code"),
            s.c.name.label("store_name"),
        )
        .select_from(m.outerjoin(s, s.c.store_id == m.c.store_id))
        .where(m.c.user_id == user_id)
        .order_by(s.c.code, m.c.store_id)
    )
    return _all(rm, query)


def list_invitations(
    rm: ReadModels, store_id: UUID, *, status: str | None = None
) -> list[dict[str, Any]]:
    t = rm.tables("team")["team_invitations"]
    query = _columns(t, INVITATION_COLUMNS).where(t.c.store_id == store_id)
    if status:
        query = query.where(t.c.status == status)
    rows = _all(rm, query.order_by(t.c.created_at, t.c.invitation_id))
    # The address is the invitation's own sealed copy, shredded when it is accepted or revoked.
    return mask_erased(rm, rows, subject="invitation_id", personal=("email",))


def list_api_keys(
    rm: ReadModels, store_id: UUID, *, include_revoked: bool = False
) -> list[dict[str, Any]]:
    t = rm.tables("team")["api_keys"]
    query = _columns(t, API_KEY_COLUMNS).where(t.c.store_id == store_id)
    if not include_revoked:
        query = query.where(t.c.revoked_at.is_(None))
    return _all(rm, query.order_by(t.c.created_at, t.c.key_id))


# -- customers ------------------------------------------------------------------------------------


def list_customers(
    rm: ReadModels,
    store_id: UUID,
    *,
    q: str | None = None,
    status: str | None = None,
    marketing_consent: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    t = rm.tables("customers")["customers"]
    query = _columns(t, CUSTOMER_COLUMNS).where(t.c.store_id == store_id)
    if status:
        query = query.where(t.c.status == status)
    if marketing_consent is not None:
        query = query.where(t.c.marketing_consent == marketing_consent)
    searched = bool(q and q.strip())
    if searched:
        query = query.where(_matches(t, q or ""))
    rows, next_cursor = _page(rm, t, query, "customer_id", cursor, limit)
    return _customers(rm, rows, searched=searched), next_cursor


def get_customer(rm: ReadModels, store_id: UUID, customer_id: UUID) -> dict[str, Any] | None:
    """A customer of this store; another store's customer is None."""
    t = rm.tables("customers")["customers"]
    query = _columns(t, CUSTOMER_COLUMNS).where(
        t.c.store_id == store_id, t.c.customer_id == customer_id
    )
    return _first(_customers(rm, _all(rm, query)))


# -- helpers --------------------------------------------------------------------------------------


def _users(
    rm: ReadModels, rows: list[dict[str, Any]], *, searched: bool = False
) -> list[dict[str, Any]]:
    return mask_erased(
        rm, rows, subject="user_id", personal=USER_DATA, status=True, searched=searched
    )


def _customers(
    rm: ReadModels, rows: list[dict[str, Any]], *, searched: bool = False
) -> list[dict[str, Any]]:
    return mask_erased(
        rm, rows, subject="customer_id", personal=CUSTOMER_DATA, status=True, searched=searched
    )


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def _columns(t: Table, names: tuple[str, ...]) -> Select[Any]:
    return select(*(t.c[n] for n in names))


def _matches(t: Table, q: str) -> ColumnElement[bool]:
    """Case- and accent-insensitive "contains" on the name or the e-mail, on both backends
    (SQLite's lower() is ASCII only); LIKE's wildcards in ``q`` are literal characters."""
    matches: ColumnElement[bool] = t.c.email.like(_contains(q.strip().lower()), escape="\\")
    folded = fold(q)
    if folded:
        pattern = _contains(folded)
        matches = (
            matches
            | t.c.email_folded.like(pattern, escape="\\")
            | t.c.name_folded.like(pattern, escape="\\")
        )
    return matches


def _page(
    rm: ReadModels, t: Table, query: Select[Any], key: str, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Oldest first, ``limit`` rows after the cursor, and the cursor of the next page."""
    if cursor:
        created, after = decode_cursor(cursor, 2, (parse_dt, UUID))
        query = query.where(tuple_(t.c.created_at, t.c[key]) > tuple_(created, after))
    query = query.order_by(t.c.created_at, t.c[key]).limit(limit + 1)
    rows = _all(rm, query)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([rows[-1]["created_at"].isoformat(), str(rows[-1][key])]) if more else None
    )
    return rows, next_cursor


def _all(rm: ReadModels, query: Select[Any]) -> list[dict[str, Any]]:
    with rm.engine.connect() as conn:
        return [_dict(r) for r in conn.execute(query)]


def _dict(row: Row[Any]) -> dict[str, Any]:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
