"""Bodies and answers of the store's order desk, the customer's order history and the
dashboard. Limits here are the transport's; the rules (transitions, quantities left to ship
or refund, amounts due) are the domain's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.cart.values import MAX_LINES
from domain.inventory.values import MAX_QUANTITY
from domain.orders.values import MAX_NOTE, MAX_REF
from domain.shared.money import MAX_AMOUNT
from interfaces.api.common import Sku, StrictModel

# -- commands -----------------------------------------------------------------------------------


class PaymentCreate(StrictModel):
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="minor units of the order's currency")
    reference: str | None = Field(default=None, max_length=MAX_REF)


class ShipLine(StrictModel):
    sku: Sku
    # More than is left to ship is a 409 saying how many are.
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class ShipBody(StrictModel):
    carrier: str = Field(min_length=1, max_length=MAX_REF)
    tracking_number: str | None = Field(default=None, max_length=MAX_REF)
    # Left out: everything still to ship.
    lines: list[ShipLine] | None = Field(default=None, min_length=1, max_length=MAX_LINES)


class CancelBody(StrictModel):
    reason: str = Field(min_length=1, max_length=200)


class RefundLine(StrictModel):
    sku: Sku
    # More than can be refunded is a 409 saying how many can.
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    restock: bool = True


class RefundBody(StrictModel):
    lines: list[RefundLine] = Field(min_length=1, max_length=MAX_LINES)
    # Left out: the refunded lines' value (with shipping and tax once everything is refunded),
    # capped by what was paid and not yet refunded.
    amount: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    reason: str | None = Field(default=None, max_length=200)


class NoteCreate(StrictModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE)


# -- answers ------------------------------------------------------------------------------------


class OrderSummary(BaseModel):
    id: UUID
    number: int
    number_text: str
    customer_id: UUID | None
    email: str | None  # None once the person was erased
    status: str
    payment_method: str
    shipping_method: str
    destination_country: str
    currency: str
    subtotal: int
    shipping: int
    discount: int
    tax: int
    total: int
    paid_amount: int
    refunded_amount: int
    item_count: int
    payment_due_at: datetime | None
    placed_at: datetime
    updated_at: datetime
    version: int


class OrderList(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class OrderLine(BaseModel):
    sku: str
    product_id: UUID
    title: str
    attributes: dict[str, Any]
    quantity: int
    unit_price: int
    line_total: int
    shipped_quantity: int
    refunded_quantity: int


class TimelineEntry(BaseModel):
    version: int
    type: str
    summary: str
    actor: str | None
    details: dict[str, Any]
    at: datetime


class OrderContact(BaseModel):
    """Opened with the person's key; ``erased`` (and e-mail "[erased]") once it is gone."""

    erased: bool
    email: str
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None


class RateFigures(BaseModel):
    rate: str = Field(description="The VAT rate in percent, as a decimal string: 17, 5.5, 0")
    taxable: int
    vat: int


class TaxBreakdown(BaseModel):
    """The VAT the order was taxed with, kept as it was: a later rate change never alters it."""

    regime: str = Field(
        description="domestic, eu_b2c_origin, eu_b2c_destination, intra_eu_b2b, export or exempt"
    )
    prices_include_vat: bool
    breakdown: list[RateFigures]
    net: int
    vat: int
    gross: int
    mentions: list[str] = Field(description="reverse_charge, export, exempt")


class OrderDetail(OrderSummary):
    tax_breakdown: TaxBreakdown | None = Field(
        description="None for an order placed before the VAT engine"
    )
    lines: list[OrderLine]
    timeline: list[TimelineEntry]
    contact: OrderContact


class ShopTimelineEntry(BaseModel):
    type: str
    summary: str
    details: dict[str, Any]
    at: datetime


class ShopOrderSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    number_text: str
    status: str
    currency: str
    subtotal: int
    shipping: int
    discount: int
    tax: int
    total: int
    paid_amount: int
    refunded_amount: int
    item_count: int
    payment_method: str
    shipping_method: str
    payment_due_at: datetime | None
    placed_at: datetime
    updated_at: datetime


class ShopOrderList(BaseModel):
    items: list[ShopOrderSummary]
    next_cursor: str | None


class ShopOrderDetail(ShopOrderSummary):
    tax_breakdown: TaxBreakdown | None = Field(
        description="None for an order placed before the VAT engine"
    )
    lines: list[OrderLine]
    timeline: list[ShopTimelineEntry]
    contact: OrderContact


# -- dashboard ----------------------------------------------------------------------------------


class DashboardDay(BaseModel):
    date: date
    orders: int
    cancelled: int
    revenue: int


class TopProduct(BaseModel):
    sku: str
    product_id: UUID
    title: str
    quantity: int
    revenue: int


class LowStockItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    location_id: UUID
    sku: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int | None


class Dashboard(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    store_id: UUID
    currency: str | None
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    revenue: int
    orders: int
    cancelled: int
    average_order_value: int
    days: list[DashboardDay]
    orders_by_status: dict[str, int]
    top_products: list[TopProduct]
    low_stock: list[LowStockItem]
