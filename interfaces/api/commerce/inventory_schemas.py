"""Bodies and answers of the store's inventory: movements, thresholds, levels, the ledger and
locations.

Limits here are the transport's (an oversized field is refused before any work is done); the
rules themselves (quantities, reasons, location codes) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.inventory.aggregates import MAX_QUANTITY
from interfaces.api.common import CommandAnswer, StrictModel

Sku = Annotated[str, Field(min_length=1, max_length=64)]
# JSON has no UUID type: a location id comes as a string, parsed here (422 if it is not one).
LocationId = Annotated[UUID | None, Field(strict=False)]
Note = Annotated[str | None, Field(max_length=500)]
# Wider than the domain's range, so that the domain says which range is allowed.
Quantity = Annotated[int, Field(ge=-10 * MAX_QUANTITY, le=10 * MAX_QUANTITY)]


class Receive(StrictModel):
    sku: Sku
    quantity: Quantity
    location_id: LocationId = None
    reference: Annotated[str | None, Field(max_length=200)] = None


class Adjust(StrictModel):
    sku: Sku
    delta: Quantity
    reason: Literal["count", "damage", "loss", "found", "correction"]
    note: Note = None
    location_id: LocationId = None


class Count(StrictModel):
    sku: Sku
    counted: Quantity
    note: Note = None
    location_id: LocationId = None


class Threshold(StrictModel):
    low_stock_threshold: Quantity
    location_id: LocationId = None


class LocationCreate(StrictModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)


class LocationAnswer(CommandAnswer):
    """The store's locations (their id, new version and position) and the new location's id."""

    location_id: UUID


class LocationPublic(BaseModel):
    id: UUID
    code: str
    name: str
    is_default: bool


class LocationList(BaseModel):
    items: list[LocationPublic]


class StockLevel(BaseModel):
    stock_item_id: UUID
    sku: str
    product_id: UUID | None
    title: str | None
    location_id: UUID
    location_code: str | None
    on_hand: int
    # Holds taken at checkout count here until their release is recorded (see the item's
    # detail for what is free right now).
    reserved: int
    available: int
    low_stock_threshold: int
    is_low: bool
    version: int
    updated_at: datetime


class StockLevelList(BaseModel):
    items: list[StockLevel]
    next_cursor: str | None


class ItemAtLocation(BaseModel):
    location_id: UUID
    location_code: str
    location_name: str
    is_default: bool
    stock_item_id: UUID | None  # None: nothing ever moved here
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int
    is_low: bool
    version: int


class ItemDetail(BaseModel):
    """A SKU's stock as the stock items say it now (expired holds no longer count)."""

    sku: str
    product_id: UUID | None
    title: str | None
    on_hand: int
    reserved: int
    available: int
    locations: list[ItemAtLocation]


class LedgerEntry(BaseModel):
    position: int
    stock_item_id: UUID
    location_id: UUID
    sku: str
    kind: str  # received, adjusted, reserved, released, committed, returned
    on_hand_delta: int
    reserved_delta: int
    reason: str | None
    reference: str | None
    note: str | None
    order_id: UUID | None
    reservation_id: UUID | None
    expires_at: datetime | None
    actor: str | None
    on_hand_after: int
    reserved_after: int
    version: int
    at: datetime


class Ledger(BaseModel):
    sku: str
    items: list[LedgerEntry]
    next_cursor: str | None
