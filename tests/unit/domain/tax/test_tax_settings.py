"""TaxSettings: given events -> command -> expected events or error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.tax.aggregates import TaxSettings
from domain.tax.errors import InvalidVatNumberError
from domain.tax.policies import Seller
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9001")
SETTINGS_ID = TaxSettings.id_for(STORE)


def created() -> Any:
    return ev(TaxSettings.Created, store_id=STORE)


def changed(**values: Any) -> Any:
    return ev(TaxSettings.Changed, values=values)


def test_a_store_has_one_set_of_tax_settings_with_defaults() -> None:
    settings = TaxSettings.create(store_id=STORE, at=at(0))

    assert new_events(settings) == [created()]
    assert settings.id == SETTINGS_ID == store_singleton_id(STORE, "tax")
    assert settings.settings() == {
        "vat_number": None,
        "prices_include_vat": True,
        "oss_opt_in": False,
        "vies_check": False,
        "cross_border_b2c_sales": {
            "previous_year": 0,
            "current_year_before_orion": 0,
            "year": None,
        },
    }


def test_a_change_records_only_what_differs_checked_and_normalised() -> None:
    settings = given(SETTINGS_ID, created())

    settings.change(
        values={
            "vat_number": "lu 2637 5245",
            "prices_include_vat": True,  # as it is: not recorded
            "oss_opt_in": True,
            "cross_border_b2c_sales": {"previous_year": 250_000},
        },
        at=at(5),
    )

    assert new_events(settings) == [
        changed(
            vat_number="LU26375245",
            oss_opt_in=True,
            # The figures are dated with the year they were entered in.
            cross_border_b2c_sales={
                "previous_year": 250_000,
                "current_year_before_orion": 0,
                "year": at(5).year,
            },
        )
    ]


def test_a_change_to_what_is_already_set_records_nothing() -> None:
    settings = given(
        SETTINGS_ID,
        created(),
        changed(vat_number="LU26375245", vies_check=True),
    )

    settings.change(
        values={
            "vat_number": "LU 26375245",
            "vies_check": True,
            "cross_border_b2c_sales": {"current_year_before_orion": 0},
        },
        at=at(5),
    )

    assert new_events(settings) == []


def test_a_partial_sales_figure_keeps_the_other_and_the_vat_number_can_be_removed() -> None:
    settings = given(
        SETTINGS_ID,
        created(),
        changed(
            vat_number="LU26375245",
            cross_border_b2c_sales={"previous_year": 5, "current_year_before_orion": 7},
        ),
    )

    settings.change(
        values={"vat_number": None, "cross_border_b2c_sales": {"current_year_before_orion": 9}},
        at=at(5),
    )

    assert new_events(settings) == [
        changed(
            vat_number=None,
            cross_border_b2c_sales={
                "previous_year": 5,
                "current_year_before_orion": 9,
                "year": at(5).year,
            },
        )
    ]
    assert settings.settings()["cross_border_b2c_sales"] == {
        "previous_year": 5,
        "current_year_before_orion": 9,
        "year": at(5).year,
    }


@pytest.mark.parametrize(
    ("values", "error", "field"),
    [
        ({"vat_number": "LU26375246"}, InvalidVatNumberError, "vat_number"),
        ({"vat_number": 26375245}, InvalidVatNumberError, "vat_number"),
        ({"prices_include_vat": "yes"}, ValidationError, "prices_include_vat"),
        ({"oss_opt_in": 1}, ValidationError, "oss_opt_in"),
        ({"vies_check": None}, ValidationError, "vies_check"),
        (
            {"cross_border_b2c_sales": {"previous_year": -1}},
            ValidationError,
            "cross_border_b2c_sales.previous_year",
        ),
        (
            {"cross_border_b2c_sales": {"this_year": 1}},
            ValidationError,
            "cross_border_b2c_sales.this_year",
        ),
        ({"cross_border_b2c_sales": 5}, ValidationError, "cross_border_b2c_sales"),
        ({"currency": "EUR"}, ValidationError, "currency"),
        # A valid setting beside a bad one: nothing is recorded.
        ({"oss_opt_in": True, "vat_number": "nope"}, InvalidVatNumberError, "vat_number"),
    ],
)
def test_a_bad_setting_is_refused(
    values: dict[str, Any], error: type[ValidationError], field: str
) -> None:
    settings = given(SETTINGS_ID, created())

    refused = rejected(settings, lambda: settings.change(values=values, at=at(5)), error)

    assert refused.field == field


def test_the_seller_the_engine_sees() -> None:
    settings = given(
        SETTINGS_ID,
        created(),
        changed(
            vat_number="LU26375245",
            oss_opt_in=True,
            cross_border_b2c_sales={
                "previous_year": 400_000,
                "current_year_before_orion": 150_000,
                "year": at(0).year,
            },
        ),
    )

    # In the year the figures were entered (the events' year): as entered, plus Orion's own.
    year = at(0).year
    assert settings.seller(country="LU", year=year, in_orion=(10_000, 25_000)) == Seller(
        country="LU",
        vat_number="LU26375245",
        oss_opt_in=True,
        cross_border_previous_year=410_000,
        cross_border_current_year=175_000,
    )
    # A year later the entered "this year" is last year's; two years later they say nothing.
    assert settings.sales_before_orion(year + 1) == (150_000, 0)
    assert settings.sales_before_orion(year + 2) == (0, 0)
