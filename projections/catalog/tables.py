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


def define_catalog_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    """Every product of every status, for the store's team."""
    products = Table(
        f"products{suffix}",
        metadata,
        Column("product_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("title", String(200), nullable=False),
        Column("description", Text, nullable=False),
        Column("tax_category", String(32), nullable=False),
        Column("status", String(16), nullable=False),
        Column("variants", JSON, nullable=False),
        Column("skus", Text, nullable=False),  # folded, space separated: for the team's filter
        Column("title_folded", String(200), nullable=False),
        Column("price_min", BigInteger, nullable=False),
        Column("price_max", BigInteger, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_products{suffix}_store_updated", "store_id", "updated_at", "product_id"),
        Index(f"ix_products{suffix}_store_status", "store_id", "status"),
    )
    return {"products": products}


def define_search_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    """Published products only, with folded search text; the full-text index is dialect DDL."""
    shop_products = Table(
        f"shop_products{suffix}",
        metadata,
        Column("product_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("title", String(200), nullable=False),
        Column("description", Text, nullable=False),
        Column("tax_category", String(32), nullable=False),
        Column("variants", JSON, nullable=False),
        Column("price_min", BigInteger, nullable=False),
        Column("price_max", BigInteger, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
        Column("f_title", Text, nullable=False),
        Column("f_description", Text, nullable=False),
        Column("f_skus", Text, nullable=False),
        Column("f_attributes", Text, nullable=False),
        Index(f"ix_shop_products{suffix}_price", "store_id", "price_min", "product_id"),
        Index(f"ix_shop_products{suffix}_newest", "store_id", "published_at", "product_id"),
    )
    attributes = Table(
        f"shop_product_attributes{suffix}",
        metadata,
        Column("product_id", Uuid, primary_key=True),
        Column("name", String(40), primary_key=True),
        Column("value", String(100), primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Index(f"ix_shop_attr{suffix}_lookup", "store_id", "name", "value"),
    )
    return {"shop_products": shop_products, "attributes": attributes}
