"""Bodies and answers of the storefront cart and of the store's abandoned carts.

Limits here are the transport's; the rules (quantities, stock) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.cart.values import MAX_LINE_QUANTITY
from interfaces.api.common import CommandAnswer, Sku, StrictModel
from interfaces.api.tax.schemas import CartTaxEstimate


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
    # The VAT the cart's lines hold (or add), estimated for the customer's default shipping
    # country or the store's own; null for an empty cart.
    tax_estimate: CartTaxEstimate | None = None
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
