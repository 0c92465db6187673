"""Tables of the orders read models.

``orders`` holds the desk's rows (one per order), their lines and their timeline (one row per
event of the order), and each store's order-number counter. ``dashboard`` holds per-store,
per-day facts, per-day product sales, and its own small copy of each order (day, status, the
value and units it still counts for), so that a later cancellation or refund can be taken
off the day the order was placed. The dashboard never joins the orders tables: either can be
rebuilt alone.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)


def define_order_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    orders = Table(
        f"orders{suffix}",
        metadata,
        Column("order_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        # Per store, gap-free, in log order: the Nth Order.Placed of a store is number N.
        Column("number", Integer, nullable=False),
        Column("number_text", String(48), nullable=False),
        Column("customer_id", Uuid),  # None for guests
        Column("subject_id", Uuid, nullable=False),  # whose key seals the contact
        # Opened at handling time; NULL once the person is erased (or their key is gone).
        Column("email", Text),
        Column("email_folded", Text),
        Column("status", String(24), nullable=False),
        Column("payment_method", String(32), nullable=False),
        Column("shipping_method", String(100), nullable=False),
        Column("destination_country", String(2), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("subtotal", BigInteger, nullable=False),
        Column("shipping", BigInteger, nullable=False),
        Column("discount", BigInteger, nullable=False),
        Column("tax", BigInteger, nullable=False),
        Column("total", BigInteger, nullable=False),
        # The VAT as the order was taxed (regime, per-rate base and VAT, mentions); NULL for
        # an order placed before the VAT engine.
        Column("tax_breakdown", JSON),
        Column("paid_amount", BigInteger, nullable=False),
        Column("refunded_amount", BigInteger, nullable=False),
        Column("item_count", Integer, nullable=False),
        Column("payment_due_at", DateTime(timezone=True)),
        Column("placed_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
        Index(f"ix_orders{suffix}_store_number", "store_id", "number", unique=True),
        Index(f"ix_orders{suffix}_store_status", "store_id", "status", "number"),
        Index(f"ix_orders{suffix}_store_placed", "store_id", "placed_at"),
        Index(f"ix_orders{suffix}_customer", "customer_id", "number"),
        Index(f"ix_orders{suffix}_subject", "subject_id"),
    )
    lines = Table(
        f"order_lines{suffix}",
        metadata,
        Column("order_id", Uuid, primary_key=True),
        Column("sku", String(64), primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("position", Integer, nullable=False),  # the line's place in the order
        Column("product_id", Uuid, nullable=False),
        Column("title", String(200), nullable=False),
        Column("attributes", JSON, nullable=False),
        Column("quantity", Integer, nullable=False),
        Column("unit_price", BigInteger, nullable=False),
        Column("line_total", BigInteger, nullable=False),
        Column("shipped_quantity", Integer, nullable=False),
        Column("refunded_quantity", Integer, nullable=False),
    )
    timeline = Table(
        f"order_timeline{suffix}",
        metadata,
        Column("order_id", Uuid, primary_key=True),
        Column("version", Integer, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("type", String(32), nullable=False),
        Column("summary", Text, nullable=False),
        Column("actor", String(100)),  # from the command's metadata
        Column("details", JSON, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
    )
    # Each store's code (for "ACME-000042") and the last number it handed out.
    stores = Table(
        f"order_stores{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False),
        Column("last_number", Integer, nullable=False),
    )
    return {"orders": orders, "order_lines": lines, "order_timeline": timeline, "stores": stores}


def define_dashboard_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    days = Table(
        f"dashboard_days{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("day", Date, primary_key=True),  # UTC date the orders were placed
        Column("orders", Integer, nullable=False),  # placed, whatever became of them
        Column("cancelled", Integer, nullable=False),
        Column("gross", BigInteger, nullable=False),  # Σ totals as placed
        Column("revenue", BigInteger, nullable=False),  # Σ net values (see the projector)
    )
    products = Table(
        f"dashboard_product_days{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("day", Date, primary_key=True),
        Column("sku", String(64), primary_key=True),
        Column("product_id", Uuid, nullable=False),
        Column("title", String(200), nullable=False),
        Column("quantity", Integer, nullable=False),  # net units
        Column("revenue", BigInteger, nullable=False),  # net units x unit price
    )
    orders = Table(
        f"dashboard_orders{suffix}",
        metadata,
        Column("order_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("day", Date, nullable=False),
        Column("status", String(24), nullable=False),
        Column("cancelled", Boolean, nullable=False),
        Column("counted", BigInteger, nullable=False),  # the order's net value now
        # {sku: {"quantity": net units, "unit_price": …}}: what its lines still count for
        Column("lines", JSON, nullable=False),
        Index(f"ix_dashboard_orders{suffix}_store_day", "store_id", "day", "status"),
    )
    stores = Table(
        f"dashboard_stores{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("currency", String(3), nullable=False),
    )
    return {"days": days, "product_days": products, "orders": orders, "stores": stores}
