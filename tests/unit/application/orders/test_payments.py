"""The payment methods a shopper may choose, and what each tells them to do."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.orders.payments import CashOnDelivery, ManualTransfer, Payments
from domain.shared.errors import ValidationError
from tests.fakes.payments import FakePaymentProvider

ORDER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fc001")


def test_a_transfer_names_the_amount_and_a_reference_from_the_order() -> None:
    assert ManualTransfer().instructions(order_id=ORDER, total=2489, currency="EUR") == {
        "kind": "bank_transfer",
        "amount": 2489,
        "currency": "EUR",
        "reference": "ORDER-0190A1B2C3D4",
    }


def test_cash_on_delivery_names_the_amount() -> None:
    assert CashOnDelivery().instructions(order_id=ORDER, total=990, currency="EUR") == {
        "kind": "cash_on_delivery",
        "amount": 990,
        "currency": "EUR",
    }


def test_only_a_method_with_a_provider_that_orders_know_may_be_chosen() -> None:
    payments = Payments([FakePaymentProvider("manual"), FakePaymentProvider("stripe")])

    assert payments.check("manual") == "manual"
    for method in ("cash_on_delivery", "stripe", "bitcoin"):
        with pytest.raises(ValidationError) as raised:
            payments.check(method)
        assert raised.value.field == "payment_method"


def test_by_default_transfer_and_cash_on_delivery() -> None:
    assert sorted(Payments().providers) == ["cash_on_delivery", "manual"]
