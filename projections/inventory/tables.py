"""Tables of the inventory read model: stock levels, the stock ledger, locations.

``sku_key`` columns hold ``sku.casefold()``: SKUs compare case-insensitively within a store
(as their stock item ids do). The product tables are this projection's own copy of which
product a SKU belongs to and its title (joining another projection's tables would break when
either is rebuilt).

A checkout hold stops counting when it expires, before the log records its release: the rows
are what the log says (a projection knows no clock), and the queries take off, at their own
time, the holds that have expired (``stock_reservations`` keeps each with its expiry).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    levels = Table(
        f"stock_levels{suffix}",
        metadata,
        Column("stock_item_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("location_id", Uuid, nullable=False),
        Column("sku", String(64), nullable=False),
        Column("sku_key", Text, nullable=False),
        Column("on_hand", Integer, nullable=False),
        # Every reservation the log has not released yet, expired checkout holds included.
        # What is reserved, available and low now is the queries' to say (see above).
        Column("reserved", Integer, nullable=False),
        Column("low_stock_threshold", Integer, nullable=False),
        Column("version", Integer, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_stock_levels{suffix}_store_sku", "store_id", "sku_key", "stock_item_id"),
    )
    ledger = Table(
        f"stock_ledger{suffix}",
        metadata,
        # One row per movement; an event's position in the log is unique.
        Column("position", BigInteger, primary_key=True),
        Column("stock_item_id", Uuid, nullable=False),
        Column("store_id", Uuid, nullable=False),
        Column("location_id", Uuid, nullable=False),
        Column("sku", String(64), nullable=False),
        Column("sku_key", Text, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("on_hand_delta", Integer, nullable=False),
        Column("reserved_delta", Integer, nullable=False),
        Column("reason", String(32)),
        Column("reference", Text),
        Column("note", Text),
        Column("order_id", Uuid),
        Column("reservation_id", Uuid),
        Column("expires_at", DateTime(timezone=True)),
        Column("actor", Text),
        Column("on_hand_after", Integer, nullable=False),
        Column("reserved_after", Integer, nullable=False),  # as the log says, like ``reserved``
        Column("version", Integer, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Index(f"ix_stock_ledger{suffix}_item", "store_id", "sku_key", "position"),
    )
    # Open reservations: released and committed events name the reservation only, so the order
    # behind them (and what is left of them) is looked up here; and the holds that have expired
    # (``expires_at`` passed), which queries take off and the sweep releases.
    reservations = Table(
        f"stock_reservations{suffix}",
        metadata,
        Column("stock_item_id", Uuid, primary_key=True),
        Column("reservation_id", Uuid, primary_key=True),
        Column("order_id", Uuid),
        Column("quantity", Integer, nullable=False),
        Column("expires_at", DateTime(timezone=True)),
    )
    holds = reservations.c.expires_at.is_not(None)
    Index(
        f"ix_stock_reservations{suffix}_expires",
        reservations.c.expires_at,
        postgresql_where=holds,
        sqlite_where=holds,
    )
    locations = Table(
        f"stock_locations{suffix}",
        metadata,
        Column("location_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("code", String(32), nullable=False),
        Column("name", String(100), nullable=False),
        Column("is_default", Boolean, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_stock_locations{suffix}_store", "store_id", "code"),
    )
    # A store's Locations aggregate: its later events name neither the store nor the default.
    location_sets = Table(
        f"stock_location_sets{suffix}",
        metadata,
        Column("locations_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("default_id", Uuid),
    )
    products = Table(
        f"stock_products{suffix}",
        metadata,
        Column("product_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("title", String(200), nullable=False),
        Column("title_folded", Text, nullable=False),
    )
    # The SKUs of products that are not archived (a SKU belongs to one of them at most).
    product_skus = Table(
        f"stock_product_skus{suffix}",
        metadata,
        Column("product_id", Uuid, primary_key=True),
        Column("sku_key", Text, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Index(f"ix_stock_product_skus{suffix}_sku", "store_id", "sku_key"),
    )
    return {
        "stock_levels": levels,
        "stock_ledger": ledger,
        "reservations": reservations,
        "locations": locations,
        "location_sets": location_sets,
        "products": products,
        "product_skus": product_skus,
    }
