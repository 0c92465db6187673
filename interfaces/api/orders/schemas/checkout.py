"""Bodies and answers of the storefront checkout.

Limits here are the transport's (an oversized field is refused before any work is done); the
rules themselves (address fields, e-mail syntax, VAT numbers, which rate applies) are the
domain's and the use case's, which name the field they refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.identity.values import MAX_LINE, MAX_NAME
from interfaces.api.common import CountryCode, Email, StrictModel
from interfaces.api.orders.schemas.desk import TaxBreakdown

MAX_PHONE = 32
# JSON has no UUID type: ids come as strings, which the strict models would otherwise refuse.
JsonUUID = Annotated[UUID, Field(strict=False)]


class CheckoutAddress(StrictModel):
    first_name: str | None = Field(default=None, max_length=MAX_NAME)
    last_name: str | None = Field(default=None, max_length=MAX_NAME)
    company: str | None = Field(default=None, max_length=MAX_LINE)
    vat_number: str | None = Field(default=None, max_length=32)
    line1: str = Field(min_length=1, max_length=MAX_LINE)
    line2: str | None = Field(default=None, max_length=MAX_LINE)
    city: str = Field(min_length=1, max_length=MAX_LINE)
    postal_code: str = Field(min_length=1, max_length=32)
    region: str | None = Field(default=None, max_length=MAX_LINE)
    country: CountryCode
    phone: str | None = Field(default=None, max_length=MAX_PHONE)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class CheckoutBody(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "shipping_rate_id": "0b7f4d3c-6a55-4c1e-9a0e-3f1c2b7d9e10",
                    "payment_method": "manual",
                    "email": "ada@example.org",
                    "shipping_address": {
                        "first_name": "Ada",
                        "last_name": "Lovelace",
                        "line1": "1 Rue du Marché",
                        "city": "Luxembourg",
                        "postal_code": "L-1111",
                        "country": "LU",
                    },
                }
            ]
        }
    )

    shipping_rate_id: JsonUUID
    payment_method: Literal["manual", "cash_on_delivery"]
    # Guests only: a signed-in customer's e-mail comes from their account.
    email: Email | None = None
    # A new address, or one of the customer's saved ones (neither: the default shipping one).
    shipping_address: CheckoutAddress | None = None
    shipping_address_id: JsonUUID | None = None
    # Neither given: billed to the shipping address.
    billing_address: CheckoutAddress | None = None
    billing_address_id: JsonUUID | None = None


class Totals(BaseModel):
    subtotal: int
    shipping: int
    discount: int
    tax: int
    total: int


class CheckoutAnswer(BaseModel):
    """The placed order. ``id``, ``version`` and ``position`` as every command answers them;
    ``order_number`` is null when the orders read model had not numbered it in time (read it
    later from the order). ``tax`` is the VAT the order was taxed with, per rate: with prices
    including VAT, ``totals.tax`` is the VAT the prices hold and ``totals.total`` what they add
    up to; a business buyer in another member state (``intra_eu_b2b``) pays the prices less
    the store's VAT, with the reverse-charge mention."""

    id: UUID
    version: int
    position: int
    order_id: UUID
    order_number: str | None
    status: str
    currency: str
    totals: Totals
    tax: TaxBreakdown | None
    payment_method: str
    payment_due_at: datetime | None
    # What the shopper must do to pay: the bank transfer's reference, cash on delivery, …
    payment: dict[str, Any]


class Hold(BaseModel):
    expires_at: datetime


class CheckoutStarted(BaseModel):
    """``hold`` is null when the store holds no stock during checkout (the default): stock is
    then reserved only when the order is placed."""

    hold: Hold | None
    id: UUID | None = None
    version: int | None = None
    position: int | None = None
