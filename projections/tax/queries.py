"""The tax read model's figures (``projector``)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from projections.read import ReadModels
from projections.tax.projector import NAME


def cross_border_sales(rm: ReadModels, store_id: UUID, year: int) -> tuple[int, int]:
    """The store's EU distance sales to consumers in the year before ``year`` and in ``year``
    (of the supply date), in cents net of VAT, less cancelled orders' (0 for a year without
    any), as of the read model's position: one query."""
    years = rm.tables(NAME)["years"]
    query = select(years.c.year, years.c.net).where(
        years.c.store_id == store_id, years.c.year.in_((year - 1, year))
    )
    with rm.engine.connect() as conn:
        found = {int(row.year): int(row.net) for row in conn.execute(query)}
    return found.get(year - 1, 0), found.get(year, 0)
