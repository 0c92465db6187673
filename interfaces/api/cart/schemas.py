"""Bodies and answers of the storefront cart, the shipping rates and the commerce settings.

Limits here are the transport's; the rules (quantities, countries, bands) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.cart.values import MAX_LINE_QUANTITY
from domain.orders.values import LIMITS
from domain.shipping.values import KINDS
from domain.shipping.values import MAX_AMOUNT as MAX_RATE_AMOUNT
from interfaces.api.common import CommandAnswer, CountryCode, Omittable, Sku, StrictModel

RateAmount = Annotated[int, Field(ge=0, le=MAX_RATE_AMOUNT, description="minor units")]

# -- the cart ---------------------------------------------------------------------------------


class LineAdd(StrictModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"sku": "SOCKS-40", "quantity": 2}]})

    sku: Sku
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
    max_grams: int = Field(gt=0, description="the heaviest cart (in grams) the band prices")
    amount: RateAmount


class RateBody(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Standard", "kind": "flat", "amount": 490, "countries": ["LU", "BE"]},
                {"name": "Free over 50", "kind": "free_over", "amount": 490, "free_over": 5000},
            ]
        }
    )

    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    # flat: the price; free_over: the price below the threshold; weight: unused (bands).
    amount: RateAmount = 0
    # Empty: ships everywhere.
    countries: list[CountryCode] = Field(default_factory=list, max_length=300)
    # Required (1-50) by a weight rate.
    bands: list[Band] | None = Field(default=None, max_length=50)
    # Required by a free_over rate: from this subtotal on, shipping is free.
    free_over: RateAmount | None = None


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
    """The settings to change (at least one); a member left out is kept."""

    checkout_hold_minutes: int = Omittable(
        ge=LIMITS["checkout_hold_minutes"][0], le=LIMITS["checkout_hold_minutes"][1]
    )
    payment_timeout_hours: int = Omittable(
        ge=LIMITS["payment_timeout_hours"][0], le=LIMITS["payment_timeout_hours"][1]
    )
