"""The shipping read model's tables: each store's rates, one row per rate, and the version its
rates are at (what the list answers with)."""

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
    Text,
    Uuid,
)


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    rate_sets = Table(
        f"shipping_rate_sets{suffix}",
        metadata,
        # The store's ShippingRates aggregate, whose events name no store.
        Column("rates_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("version", Integer, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_shipping_rate_sets{suffix}_store", "store_id", unique=True),
    )
    rates = Table(
        f"shipping_rates{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("rate_id", Uuid, primary_key=True),
        Column("name", Text, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("amount", BigInteger, nullable=False),  # minor units
        Column("countries", JSON, nullable=False),  # ISO codes, sorted; empty: everywhere
        Column("bands", JSON),  # a weight rate's [{max_grams, amount}], lightest first
        Column("free_over", BigInteger),  # a free_over rate's threshold
        Column("set_at", DateTime(timezone=True), nullable=False),
    )
    return {"rate_sets": rate_sets, "rates": rates}
