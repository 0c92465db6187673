"""The tax read model's tables: the orders sold at a distance to consumers in another member
state (what each counts, and whether it was cancelled since), and per store and calendar year
of the supply date, their sum net of VAT."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, Table, Uuid


def define_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    orders = Table(
        f"tax_cross_border_orders{suffix}",
        metadata,
        Column("order_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("year", Integer, nullable=False),  # of the supply date
        Column("net", BigInteger, nullable=False),  # cents, net of VAT
        Column("cancelled", Boolean, nullable=False),
    )
    years = Table(
        f"tax_cross_border_years{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("year", Integer, primary_key=True),
        Column("net", BigInteger, nullable=False),  # the orders' net, less the cancelled ones'
        Column("orders", Integer, nullable=False),  # the orders counted (not cancelled)
    )
    return {"orders": orders, "years": years}
