"""Money: integer minor units plus an ISO 4217 currency."""

from __future__ import annotations

from typing import Any

import pytest

from domain.shared.errors import ValidationError
from domain.shared.money import (
    MAX_AMOUNT,
    Money,
    check_currency,
    format_minor,
    minor_unit_digits,
)


def test_money_of_valid_values() -> None:
    assert Money.of(1999, "EUR") == Money(1999, "EUR")
    assert Money.of(0, "JPY").as_dict() == {"amount": 0, "currency": "JPY"}
    assert Money.of(MAX_AMOUNT, "EUR").amount == MAX_AMOUNT


@pytest.mark.parametrize(
    "amount", [1.5, 2.0, True, "10", None, -1, MAX_AMOUNT + 1], ids=lambda a: repr(a)
)
def test_money_refuses_amounts_that_are_not_bounded_non_negative_ints(amount: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        Money.of(amount, "EUR", "total")
    assert raised.value.field == "total.amount"


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "", None, "XYZ"])
def test_money_refuses_non_iso_currencies(currency: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        Money.of(100, currency)
    assert raised.value.field == "price.currency"


def test_check_currency_names_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        check_currency("nope", "fee.currency")
    assert raised.value.field == "fee.currency"


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_minor_unit_digits(currency: str, digits: int) -> None:
    assert minor_unit_digits(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1999, "EUR", "19.99 EUR"),
        (5, "EUR", "0.05 EUR"),
        (-5, "EUR", "-0.05 EUR"),
        (0, "EUR", "0.00 EUR"),
        (500, "JPY", "500 JPY"),
        (-500, "JPY", "-500 JPY"),
        (1234, "KWD", "1.234 KWD"),
    ],
)
def test_format_minor_writes_minor_units_as_the_currency_does(
    amount: int, currency: str, text: str
) -> None:
    assert format_minor(amount, currency) == text
