"""A payment provider that records what it was asked; its instructions name the method, the
order and the amount, so that a test sees which provider answered and for how much."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.orders.payments import PaymentProvider


@dataclass(frozen=True)
class Asked:
    order_id: UUID
    total: int
    currency: str


class FakePaymentProvider:
    def __init__(self, method: str = "manual") -> None:
        self.method = method
        self.asked: list[Asked] = []

    def instructions(self, *, order_id: UUID, total: int, currency: str) -> dict[str, Any]:
        self.asked.append(Asked(order_id, total, currency))
        return {
            "kind": f"fake:{self.method}",
            "amount": total,
            "currency": currency,
            "reference": f"FAKE-{order_id.hex[:8].upper()}",
        }


_check: PaymentProvider = FakePaymentProvider()
