"""ShippingRates: given events → command → expected events or error; and the quotes a cart
gets, per destination, weight and subtotal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.shipping.aggregates import ShippingRates
from domain.shipping.errors import ShippingRateNotFoundError
from domain.shipping.values import check_rate, price_of
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f8001")
POST = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f8002")
FREIGHT = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f8003")
FREE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f8004")
RATES_ID = ShippingRates.id_for(STORE)

FLAT = {"name": "Post", "kind": "flat", "countries": [], "amount": 490}
BY_WEIGHT = {
    "name": "Freight",
    "kind": "weight",
    "countries": ["BE", "LU"],
    "amount": 0,
    "bands": [{"max_grams": 1000, "amount": 500}, {"max_grams": 5000, "amount": 900}],
}
FREE_OVER = {
    "name": "Free",
    "kind": "free_over",
    "countries": ["LU"],
    "amount": 690,
    "free_over": 5000,
}


def created() -> Any:
    return ev(ShippingRates.Created, store_id=STORE)


def rate_set(rate_id: UUID, rate: dict[str, Any]) -> Any:
    return ev(ShippingRates.RateSet, rate_id=rate_id, rate=rate)


def test_a_store_has_one_set_of_rates() -> None:
    rates = ShippingRates.create(store_id=STORE, at=at(0))

    assert new_events(rates) == [created()]
    assert rates.id == RATES_ID == store_singleton_id(STORE, "shipping")
    assert rates.rates == {}


def test_setting_a_rate_records_it_checked_and_normalised() -> None:
    rates = given(RATES_ID, created())

    rates.set_rate(
        rate_id=POST,
        spec={
            "name": "  Post  ",
            "kind": "weight",
            "countries": ["lu", "BE", "LU"],
            "bands": [
                {"max_grams": 5000, "amount": 900},
                {"max_grams": 1000, "amount": 500},
            ],
        },
        at=at(5),
    )

    assert new_events(rates) == [rate_set(POST, {**BY_WEIGHT, "name": "Post"})]


def test_setting_a_rate_as_it_is_records_nothing() -> None:
    rates = given(RATES_ID, created(), rate_set(POST, FLAT))

    rates.set_rate(rate_id=POST, spec=dict(FLAT), at=at(5))
    assert new_events(rates) == []
    rates.set_rate(rate_id=POST, spec={**FLAT, "amount": 590}, at=at(6))
    assert new_events(rates) == [rate_set(POST, {**FLAT, "amount": 590})]


def test_removing_a_rate_and_an_unknown_one() -> None:
    rates = given(RATES_ID, created(), rate_set(POST, FLAT), rate_set(FREE, FREE_OVER))

    rates.remove_rate(rate_id=POST, at=at(5))
    assert new_events(rates) == [ev(ShippingRates.RateRemoved, rate_id=POST)]
    assert list(rates.rates) == [FREE]
    error = rejected(
        rates, lambda: rates.remove_rate(rate_id=POST, at=at(6)), ShippingRateNotFoundError
    )
    assert error.fields == {"rate_id": str(POST)}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({**FLAT, "name": ""}, "name"),
        ({**FLAT, "kind": "pigeon"}, "kind"),
        ({**FLAT, "countries": "LU"}, "countries"),
        ({**FLAT, "countries": ["LU", "XX"]}, "countries[1]"),
        ({**FLAT, "amount": -1}, "amount"),
        ({**FLAT, "amount": 1.5}, "amount"),
        ({**FLAT, "amount": 100_000_001}, "amount"),
        ({**BY_WEIGHT, "bands": []}, "bands"),
        ({**BY_WEIGHT, "bands": ["heavy"]}, "bands[0]"),
        ({**BY_WEIGHT, "bands": [{"max_grams": 0, "amount": 1}]}, "bands[0].max_grams"),
        ({**BY_WEIGHT, "bands": [{"max_grams": 10, "amount": -5}]}, "bands[0].amount"),
        ({**FREE_OVER, "free_over": None}, "free_over"),
    ],
)
def test_a_bad_rate_names_its_field_and_records_nothing(spec: dict[str, Any], field: str) -> None:
    rates = given(RATES_ID, created(), rate_set(POST, FLAT))

    error = rejected(
        rates, lambda: rates.set_rate(rate_id=POST, spec=spec, at=at(5)), ValidationError
    )
    assert error.field == field


# -- quotes ------------------------------------------------------------------------------------


def quotes(rates: ShippingRates, country: str, subtotal: int = 1000, grams: int = 0) -> list[Any]:
    return [
        (q["name"], q["amount"])
        for q in rates.quotes(country=country, subtotal=subtotal, weight_grams=grams)
    ]


def test_quotes_are_the_rates_that_ship_there_cheapest_first() -> None:
    rates = given(
        RATES_ID,
        created(),
        rate_set(POST, FLAT),
        rate_set(FREIGHT, BY_WEIGHT),
        rate_set(FREE, FREE_OVER),
    )

    assert quotes(rates, "LU", grams=800) == [("Post", 490), ("Freight", 500), ("Free", 690)]
    assert quotes(rates, "BE", grams=800) == [("Post", 490), ("Freight", 500)]
    assert quotes(rates, "FR") == [("Post", 490)]  # no countries: everywhere
    first = rates.quotes(country="FR", subtotal=1000, weight_grams=0)[0]
    assert first["rate_id"] == POST


def test_free_over_an_amount_is_free_from_that_amount_on() -> None:
    rates = given(RATES_ID, created(), rate_set(FREE, FREE_OVER))

    assert quotes(rates, "LU", subtotal=4999) == [("Free", 690)]
    assert quotes(rates, "LU", subtotal=5000) == [("Free", 0)]


def test_a_weight_rate_charges_its_first_band_that_holds_the_parcel() -> None:
    rate = check_rate(BY_WEIGHT)

    assert price_of(rate, subtotal=0, weight_grams=0) == 500
    assert price_of(rate, subtotal=0, weight_grams=1000) == 500
    assert price_of(rate, subtotal=0, weight_grams=1001) == 900
    assert price_of(rate, subtotal=0, weight_grams=5000) == 900
    assert price_of(rate, subtotal=0, weight_grams=5001) is None  # too heavy: not offered


def test_too_heavy_a_cart_gets_no_weight_quote() -> None:
    rates = given(RATES_ID, created(), rate_set(FREIGHT, BY_WEIGHT))

    assert quotes(rates, "LU", grams=6000) == []


def test_equal_prices_are_ordered_by_name() -> None:
    rates = given(
        RATES_ID,
        created(),
        rate_set(POST, {**FLAT, "name": "Zeta"}),
        rate_set(FREE, {**FLAT, "name": "Alpha"}),
    )

    assert quotes(rates, "LU") == [("Alpha", 490), ("Zeta", 490)]
