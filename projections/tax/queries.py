"""The tax read model's figures (``projector``)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from projections.read import ReadModels
from projections.tax.projector import NAME


def cross_border_sales(rm: ReadModels, store_id: UUID, year: int) -> int:
    """The store's EU distance sales to consumers in ``year`` (of the supply date), in cents
    net of VAT, less cancelled orders': 0 when it made none. As of the read model's position."""
    years = rm.tables(NAME)["years"]
    query = select(years.c.net).where(years.c.store_id == store_id, years.c.year == year)
    with rm.engine.connect() as conn:
        net = conn.execute(query).scalar()
    return int(net or 0)
