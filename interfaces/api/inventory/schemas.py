"""Bodies and answers of the store's inventory: movements, thresholds, levels, the ledger and
locations.

Limits here are the transport's (an oversized field is refused before any work is done); the
rules themselves (quantities, reasons, location codes) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.inventory.values import ADJUST_REASONS, LOCATION_CODE, MAX_QUANTITY
from interfaces.api.common import CommandAnswer, Sku, StrictModel

# JSON has no UUID type: a location id comes as a string, parsed here (422 if it is not one).
LocationId = Annotated[UUID | None, Field(strict=False)]
Note = Annotated[str | None, Field(max_length=500)]
# The domain's ranges (domain.inventory.aggregates.check_quantity).
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Level = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Delta = Annotated[
    int,
    Field(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        description="not 0; on hand must stay within its range",
        json_schema_extra={"not": {"const": 0}},
    ),
]


class Receive(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sku": "SOCKS-40", "quantity": 24, "reference": "PO-1"}]}
    )

    sku: Sku
    quantity: Quantity
    location_id: LocationId = None
    reference: Annotated[str | None, Field(max_length=200)] = None


class Adjust(StrictModel):
    sku: Sku
    delta: Delta
    reason: str = Field(json_schema_extra={"enum": list(ADJUST_REASONS)})
    note: Note = None
    location_id: LocationId = None


class Count(StrictModel):
    sku: Sku
    counted: Level
    note: Note = None
    location_id: LocationId = None


class Threshold(StrictModel):
    low_stock_threshold: Level
    location_id: LocationId = None


class LocationCreate(StrictModel):
    code: str = Field(
        min_length=1,
        max_length=32,
        description="trimmed and lower-cased",
        json_schema_extra={"pattern": LOCATION_CODE.pattern},
    )
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
