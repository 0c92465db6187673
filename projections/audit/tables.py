from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    events = Table(
        f"audit_events{suffix}",
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("aggregate_id", Uuid, nullable=False),
        Column("aggregate_type", String(64), nullable=False),
        Column("version", Integer, nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("store_id", Uuid),
        Column("actor", String(128)),
        Column("correlation_id", String(64)),
        Column("idempotency_key", String(255)),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("data", JSON, nullable=False),
        Index(f"ix_audit{suffix}_store", "store_id", "position"),
        Index(f"ix_audit{suffix}_aggregate", "aggregate_id", "version"),
        Index(f"ix_audit{suffix}_actor", "actor", "position"),
        Index(f"ix_audit{suffix}_type", "event_type", "position"),
        Index(f"ix_audit{suffix}_time", "occurred_at"),
    )
    return {"events": events}
