from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    stores = Table(
        f"stores{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("code", String(32), nullable=False),
        Column("name", String(200), nullable=False),
        Column("name_folded", Text, nullable=False),  # fold(name) can be longer than name
        Column("country", String(2), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("locale", String(32), nullable=False),
        Column("status", String(16), nullable=False),
        Column("suspension_reason", String(200)),
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_stores{suffix}_code", "code", unique=True),
        Index(f"ix_stores{suffix}_created", "created_at", "store_id"),
    )
    return {"stores": stores}
