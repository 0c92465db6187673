"""The tracking table's set-up (``projections.tracking.state_table``), and the clock and lock
that its writers share."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect

from projections.tracking import READ_MODEL, state_metadata, state_table

DDL_LOCK_KEY = 0x0_71_0_4F  # an arbitrary, fixed advisory-lock key for read-model DDL

# Columns added since the table was first made, as each database spells them: a table made by
# an older version gets them at set-up (its rows were all read models then).
_ADDED_COLUMNS = {
    "kind": {
        "postgresql": f"VARCHAR(16) NOT NULL DEFAULT '{READ_MODEL}'",
        "sqlite": f"VARCHAR(16) NOT NULL DEFAULT '{READ_MODEL}'",
    },
    "moved_at": {"postgresql": "TIMESTAMP WITH TIME ZONE", "sqlite": "DATETIME"},
}


def create_state_table(engine: Engine) -> None:
    """Create the tracking table, or bring an older one up to date."""
    state_metadata.create_all(engine, checkfirst=True)
    present = {c["name"] for c in inspect(engine).get_columns(state_table.name)}
    missing = [name for name in _ADDED_COLUMNS if name not in present]
    if not missing:
        return
    with engine.begin() as conn:
        lock_ddl(conn)
        present = {c["name"] for c in inspect(conn).get_columns(state_table.name)}
        for name in missing:
            if name not in present:
                spelt = _ADDED_COLUMNS[name][conn.dialect.name]
                conn.exec_driver_sql(f"ALTER TABLE {state_table.name} ADD COLUMN {name} {spelt}")


def lock_ddl(conn: Connection) -> None:
    """Two runners creating the same tables at once: PostgreSQL's ``CREATE TABLE IF NOT
    EXISTS`` is not safe against that (a unique violation on its catalog). Serialise the DDL
    until the creating transaction ends; SQLite serialises writers by itself."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK_KEY})")


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we write is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
