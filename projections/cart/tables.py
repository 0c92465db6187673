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

ACTIVE, EMPTY, CHECKED_OUT, MERGED = "active", "empty", "checked_out", "merged"


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    carts = Table(
        f"carts{suffix}",
        metadata,
        Column("cart_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("customer_id", Uuid),  # None: a guest's cart
        Column("status", String(16), nullable=False),
        Column("item_count", Integer, nullable=False),
        Column("subtotal", BigInteger, nullable=False),
        Column("currency", String(3), nullable=False),
        # {sku: {"quantity", "unit_price"}}: QuantityChanged names only the SKU and the new
        # quantity, so the row keeps what the totals are recomputed from.
        Column("lines", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("last_activity_at", DateTime(timezone=True), nullable=False),
        Column("checked_out_at", DateTime(timezone=True)),
        Column("order_id", Uuid),  # the last order the cart was checked out into
        Index(f"ix_carts{suffix}_idle", "store_id", "status", "last_activity_at"),
    )
    return {"carts": carts}
