"""Carts: a guest's (found by its token) or a customer's (one per customer, reused after each
checkout). Lines keep the variant, the quantity and the unit price when added; abandoned-cart
figures are read from these events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.cart.errors import CartLineNotFoundError
from domain.cart.values import MAX_LINES, check_line_quantity
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import ConflictError
from domain.shared.ids import customer_cart_id
from domain.shared.topics import stable_topics


@stable_topics("cart", was="domain.cart.aggregates")
class Cart(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID
        customer_id: UUID | None
        currency: str

    class LineAdded(OrionAggregate.Event):
        """v2 carries the product's tax category as it was when added, which checkout taxes
        the line by; a v1 line has None (checkout then asks the catalog)."""

        class_version = 2

        sku: str
        product_id: UUID
        title: str
        quantity: int
        unit_price: int
        attributes: dict[str, str]
        weight_grams: int
        tax_category: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tax_category"] = None

        def apply(self, cart: Any) -> None:
            cart.lines[self.sku] = {
                "sku": self.sku,
                "product_id": self.product_id,
                "title": self.title,
                "quantity": self.quantity,
                "unit_price": self.unit_price,
                "attributes": dict(self.attributes),
                "weight_grams": self.weight_grams,
                "tax_category": self.tax_category,
            }

    class QuantityChanged(OrionAggregate.Event):
        sku: str
        quantity: int

        def apply(self, cart: Any) -> None:
            cart.lines[self.sku] = {**cart.lines[self.sku], "quantity": self.quantity}

    class LineRemoved(OrionAggregate.Event):
        sku: str

        def apply(self, cart: Any) -> None:
            cart.lines.pop(self.sku, None)

    class Cleared(OrionAggregate.Event):
        reason: str  # "customer", "merged"

        def apply(self, cart: Any) -> None:
            cart.lines = {}

    class CheckedOut(OrionAggregate.Event):
        order_id: UUID

        def apply(self, cart: Any) -> None:
            cart.lines = {}
            cart.orders = [*cart.orders, self.order_id]

    def __init__(self, store_id: UUID, customer_id: UUID | None, currency: str) -> None:
        self.store_id = store_id
        self.customer_id = customer_id
        self.currency = currency
        self.lines: dict[str, dict[str, Any]] = {}
        self.orders: list[UUID] = []

    @classmethod
    def create(
        cls,
        *,
        cart_id: UUID | None = None,
        store_id: UUID,
        customer_id: UUID | None,
        currency: str,
        at: datetime,
    ) -> Cart:
        if customer_id is not None:
            cart_id = customer_cart_id(customer_id)
        if cart_id is None:
            raise ValueError("a guest cart needs an id")
        return cls._create(
            cls.Created,
            id=cart_id,
            timestamp=at,
            store_id=store_id,
            customer_id=customer_id,
            currency=currency,
        )

    @property
    def subtotal(self) -> int:
        return sum(int(line["unit_price"]) * int(line["quantity"]) for line in self.lines.values())

    @property
    def weight_grams(self) -> int:
        return sum(
            int(line["weight_grams"]) * int(line["quantity"]) for line in self.lines.values()
        )

    def quantity_of(self, sku: str) -> int:
        line = self.lines.get(sku)
        return int(line["quantity"]) if line else 0

    def add(
        self,
        *,
        sku: str,
        product_id: UUID,
        title: str,
        quantity: int,
        unit_price: int,
        attributes: dict[str, str],
        weight_grams: int,
        at: datetime,
        tax_category: str | None = None,
    ) -> None:
        check_line_quantity(quantity)
        if sku in self.lines:
            self.change_quantity(sku=sku, quantity=self.quantity_of(sku) + quantity, at=at)
            return
        if len(self.lines) >= MAX_LINES:
            raise ConflictError(f"a cart holds at most {MAX_LINES} lines")
        self._trigger(
            self.LineAdded,
            at,
            sku=sku,
            product_id=product_id,
            title=title,
            quantity=quantity,
            unit_price=unit_price,
            attributes=dict(attributes),
            weight_grams=weight_grams,
            tax_category=tax_category,
        )

    def change_quantity(self, *, sku: str, quantity: int, at: datetime) -> None:
        self._line(sku)
        check_line_quantity(quantity)
        if quantity != self.quantity_of(sku):
            self._trigger(self.QuantityChanged, at, sku=sku, quantity=quantity)

    def remove(self, *, sku: str, at: datetime) -> None:
        self._line(sku)
        self._trigger(self.LineRemoved, at, sku=sku)

    def clear(self, *, reason: str, at: datetime) -> None:
        if self.lines:
            self._trigger(self.Cleared, at, reason=reason)

    def check_out(self, *, order_id: UUID, at: datetime) -> None:
        if not self.lines:
            raise ConflictError("the cart is empty")
        self._trigger(self.CheckedOut, at, order_id=order_id)

    def _line(self, sku: str) -> dict[str, Any]:
        line = self.lines.get(sku)
        if line is None:
            raise CartLineNotFoundError(f"no line for SKU {sku!r} in the cart", sku=sku)
        return line
