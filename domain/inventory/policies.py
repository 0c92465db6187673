"""Where an order's units come from: the one allocation rule, for checkout and its holds.

Stock is drawn from a SKU's stock items in the store's order of locations (the default one
first, then the others by code: ``Locations.in_order``), taking from each what is available to
the holder, so that a cart's own checkout hold counts as its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.inventory.aggregates import StockItem
from domain.inventory.errors import InsufficientStockError


@dataclass(frozen=True)
class Allocation:
    """Where ``requested`` units of ``sku`` would come from."""

    sku: str
    requested: int
    # Units available to the holder in the items read: every item's, when the line is short.
    available: int
    parts: tuple[tuple[StockItem, int], ...]  # (stock item, units to take), in drawing order
    read: tuple[StockItem, ...]  # every item consulted, drawn from or not

    @property
    def allocated(self) -> int:
        return sum(units for _, units in self.parts)

    @property
    def short(self) -> bool:
        return self.allocated < self.requested

    def shortage(self) -> dict[str, Any]:
        return {"sku": self.sku, "requested": self.requested, "available": self.available}


def allocate(
    sku: str,
    quantity: int,
    items: Iterable[StockItem],
    *,
    at: datetime,
    holder: UUID | None = None,
    read_all: bool = False,
) -> Allocation:
    """Draws ``quantity`` units from ``items``, given in the store's order of locations (the
    default first), each giving what is available to ``holder`` (its own hold counts). ``items``
    is read lazily and no further than needed, unless ``read_all`` (a caller that also lets go
    of a hold on every item). Pure: the items are not changed."""
    parts: list[tuple[StockItem, int]] = []
    read: list[StockItem] = []
    available, need = 0, quantity
    for item in items:
        read.append(item)
        free = item.available_to(holder, at)
        available += free
        take = min(free, need)
        if take > 0:
            parts.append((item, take))
            need -= take
        if need <= 0 and not read_all:
            break
    return Allocation(
        sku=sku, requested=quantity, available=available, parts=tuple(parts), read=tuple(read)
    )


def check_allocated(allocations: Iterable[Allocation]) -> None:
    """Refuses (409) an order any of whose lines is short, naming every short line."""
    short = [a.shortage() for a in allocations if a.short]
    if short:
        names = ", ".join(f"{s['sku']} ({s['available']} left)" for s in short)
        raise InsufficientStockError(f"not enough stock for: {names}", lines=short)
