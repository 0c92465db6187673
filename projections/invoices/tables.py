"""The invoices read model's tables: one row per invoice or credit note (the list and the
detail), and one per document and VAT rate (the VAT return and OSS figures)."""

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


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    invoices = Table(
        f"invoices{suffix}",
        metadata,
        Column("invoice_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        # Where the document's Issued event stands in the log: the list's order, the same
        # however the read model was built.
        Column("position", BigInteger, nullable=False),
        Column("order_id", Uuid, nullable=False),
        Column("customer_id", Uuid),  # None for a guest's order
        Column("kind", String(16), nullable=False),
        Column("status", String(24), nullable=False),
        Column("year", Integer, nullable=False),
        Column("number", Integer, nullable=False),
        Column("number_text", String(64), nullable=False),
        Column("issue_date", Date, nullable=False),
        Column("due_date", Date),  # invoices only
        Column("supply_date", Date, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("language", String(16), nullable=False),
        Column("regime", String(24), nullable=False),
        Column("prices_include_vat", Boolean, nullable=False),
        Column("seller_country", String(2), nullable=False),
        Column("buyer_country", String(2), nullable=False),
        Column("seller_name", Text, nullable=False),
        Column("seller_vat_number", String(30)),
        Column("buyer_vat_number", String(30)),
        Column("buyer_company", Text),
        Column("net", BigInteger, nullable=False),
        Column("vat", BigInteger, nullable=False),
        Column("gross", BigInteger, nullable=False),
        # [{key, description, tax_category, quantity, unit_price, unit_price_net, amount, rate}]
        Column("lines", JSON, nullable=False),
        Column("shipping", JSON, nullable=False),  # [{rate, amount}]
        Column("breakdown", JSON, nullable=False),  # [{rate, taxable, vat}]
        Column("mentions", JSON, nullable=False),
        # A credit note's original invoice; None for an invoice.
        Column("original_id", Uuid),
        Column("original_number", String(64)),
        Column("original_issue_date", Date),
        Column("reason", Text),
        # An invoice's credit notes, in order: [{id, number_text}].
        Column("credit_notes", JSON, nullable=False),
        Column("issued_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
        Index(f"ix_invoices{suffix}_store_position", "store_id", "position", unique=True),
        Index(f"ix_invoices{suffix}_store_issued", "store_id", "issue_date"),
        Index(f"ix_invoices{suffix}_customer", "store_id", "customer_id", "position"),
        Index(f"ix_invoices{suffix}_order", "order_id"),
    )
    # What each document adds to the VAT return, per rate (negative for a credit note), on the
    # day it was issued.
    vat_lines = Table(
        f"invoice_vat_lines{suffix}",
        metadata,
        Column("invoice_id", Uuid, primary_key=True),
        Column("rate", String(8), primary_key=True),  # "17", "5.5"
        Column("store_id", Uuid, nullable=False),
        Column("issue_date", Date, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("regime", String(24), nullable=False),
        Column("buyer_country", String(2), nullable=False),
        Column("taxable", BigInteger, nullable=False),
        Column("vat", BigInteger, nullable=False),
        Index(f"ix_invoice_vat_lines{suffix}_store_day", "store_id", "issue_date", "regime"),
    )
    return {"invoices": invoices, "vat_lines": vat_lines}
