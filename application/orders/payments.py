"""The payment port: how a shopper pays for an order. Manual transfer and cash on delivery now;
card payments (Stripe) come with billing, as one more provider."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from domain.orders.aggregates import Order
from domain.orders.values import PAYMENT_METHODS
from domain.shared.errors import ValidationError


class PaymentProvider(Protocol):
    method: str

    def instructions(self, *, order_id: UUID, total: int, currency: str) -> dict[str, Any]: ...


class ManualTransfer:
    method = "manual"

    def instructions(self, *, order_id: UUID, total: int, currency: str) -> dict[str, Any]:
        return {
            "kind": "bank_transfer",
            "amount": total,
            "currency": currency,
            "reference": f"ORDER-{order_id.hex[:12].upper()}",
        }


class CashOnDelivery:
    method = "cash_on_delivery"

    def instructions(self, *, order_id: UUID, total: int, currency: str) -> dict[str, Any]:
        return {"kind": "cash_on_delivery", "amount": total, "currency": currency}


class Payments:
    """The payment methods shoppers may choose, each with its provider (by default the manual
    transfer and cash on delivery)."""

    def __init__(self, providers: list[PaymentProvider] | None = None) -> None:
        chosen = providers or [ManualTransfer(), CashOnDelivery()]
        self.providers: dict[str, PaymentProvider] = {p.method: p for p in chosen}

    def check(self, method: str) -> str:
        """A method a shopper may choose: one of ours that orders know (422 otherwise)."""
        if method not in self.providers or method not in PAYMENT_METHODS:
            raise ValidationError(
                "payment_method", f"must be one of {', '.join(sorted(self.providers))}"
            )
        return method

    def instructions(self, order: Order) -> dict[str, Any]:
        """How to pay for the order ({} for a method no provider takes any longer)."""
        provider = self.providers.get(order.payment_method)
        if provider is None:
            return {}
        return provider.instructions(order_id=order.id, total=order.total, currency=order.currency)
