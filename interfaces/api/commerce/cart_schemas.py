"""Bodies and answers of the storefront cart, the shipping rates and the commerce settings.

Limits here are the transport's; the rules (quantities, countries, bands) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.cart.aggregates import MAX_LINE_QUANTITY
from interfaces.api.common import CommandAnswer, StrictModel

MAX_SKU = 64

# -- the cart ---------------------------------------------------------------------------------


class LineAdd(StrictModel):
    sku: str = Field(min_length=1, max_length=MAX_SKU)
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class LineChange(StrictModel):
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class CartLine(BaseModel):
    sku: str
    product_id: UUID
    title: str
    quantity: int
    unit_price: int
    line_total: int
    attributes: dict[str, str]
    weight_grams: int
    # What can still be had of the SKU now (stock on hand less what others hold).
    available: int


class CartView(BaseModel):
    id: UUID | None  # None: nothing added yet
    currency: str
    lines: list[CartLine]
    subtotal: int
    item_count: int
    weight_grams: int
    version: int
    # A guest's token (a fresh one when the guest has none yet: send it with the first add,
    # so that a retried add with an Idempotency-Key finds its first answer).
    cart_token: str | None = None


class CartAnswer(CommandAnswer):
    """The cart's new version and position; a guest also gets the cart's token."""

    cart_token: str | None = None


class AbandonedCarts(BaseModel):
    idle_hours: int
    idle_since: datetime
    count: int
    value: int
    item_count: int
    currency: str


# -- shipping rates ---------------------------------------------------------------------------


class Band(StrictModel):
    max_grams: int
    amount: int


class RateBody(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["flat", "weight", "free_over"]
    # flat: the price; free_over: the price below the threshold; weight: unused (bands).
    amount: int = 0
    # ISO 3166-1 alpha-2 codes; empty: ships everywhere.
    countries: list[str] = Field(default_factory=list, max_length=300)
    bands: list[Band] | None = Field(default=None, max_length=50)
    free_over: int | None = None


class RatePublic(BaseModel):
    id: UUID
    name: str
    kind: str
    amount: int
    countries: list[str]
    bands: list[dict[str, int]] | None = None
    free_over: int | None = None


class RateList(BaseModel):
    items: list[RatePublic]
    version: int  # of the store's rates (0: none set yet)


class RateAnswer(CommandAnswer):
    rate_id: UUID


class Quote(BaseModel):
    rate_id: UUID
    name: str
    amount: int


class Quotes(BaseModel):
    country: str
    currency: str
    subtotal: int
    weight_grams: int
    rates: list[Quote]  # cheapest first


# -- commerce settings ----------------------------------------------------------------------


class CommerceSettingsPublic(BaseModel):
    checkout_hold_minutes: int
    payment_timeout_hours: int


class CommerceSettingsChange(StrictModel):
    checkout_hold_minutes: int | None = None
    payment_timeout_hours: int | None = None
