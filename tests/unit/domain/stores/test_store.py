"""Store: given events → command → expected events or error."""

from __future__ import annotations

from typing import Any

import pytest

from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import store_id_for_code
from domain.stores.aggregates import Store
from domain.stores.errors import StoreStateError
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE_ID = store_id_for_code("shop")


def registered(**overrides: Any) -> Any:
    attrs = {"code": "shop", "name": "Shop", "country": "LU", "currency": "EUR", "locale": "fr_LU"}
    return ev(Store.Registered, **{**attrs, **overrides})


def suspended(reason: str = "unpaid invoices") -> Any:
    return ev(Store.Suspended, reason=reason)


def register(**overrides: Any) -> Store:
    fields = {
        "code": "shop",
        "name": "Shop",
        "country": "LU",
        "currency": "EUR",
        "locale": "fr_LU",
        "at": at(0),
    }
    return Store.register(**{**fields, **overrides})


# -- register --------------------------------------------------------------------------------


def test_register_records_the_normalised_store() -> None:
    store = register(code=" My-Shop ", name="  My   shop ", country="lu", locale="fr-LU")

    assert new_events(store) == [
        ev(
            Store.Registered,
            code="my-shop",
            name="My shop",
            country="LU",
            currency="EUR",
            locale="fr_LU",
        )
    ]
    assert store.id == store_id_for_code("my-shop") == Store.id_for_code(" MY-SHOP ")
    assert store.version == 1
    assert store.created_on == store.modified_on == at(0)
    assert store.status == "active"
    assert store.is_active
    assert store.suspension_reason is None


@pytest.mark.parametrize(
    "code", ["a", "0", "shop-1", "a" * 32, "x-y-z", "SHOP"], ids=lambda c: repr(c)
)
def test_register_accepts_codes_of_letters_digits_and_inner_hyphens(code: str) -> None:
    assert register(code=code).code == code.lower()


@pytest.mark.parametrize(
    "code",
    ["", "   ", "-shop", "shop-", "my shop", "shop_1", "shop.1", "a" * 33, "shöp", "shop/1"],
    ids=lambda c: repr(c),
)
def test_register_rejects_a_code_that_cannot_be_used_in_urls(code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        register(code=code)
    assert raised.value.field == "code"
    assert raised.value.code == "invalid_input"


@pytest.mark.parametrize(("country", "stored"), [("LU", "LU"), ("de", "DE"), (" us ", "US")])
def test_register_accepts_iso_3166_countries(country: str, stored: str) -> None:
    assert register(country=country).country == stored


@pytest.mark.parametrize("country", ["", "L", "LUX", "XX", "12", "Luxembourg", "L1"])
def test_register_rejects_a_country_that_is_not_iso_3166(country: str) -> None:
    with pytest.raises(ValidationError) as raised:
        register(country=country)
    assert raised.value.field == "country"


@pytest.mark.parametrize("country", ["ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"])
def test_register_rejects_regions_that_are_not_iso_3166_countries(country: str) -> None:
    # ZZ "Unknown Region", EU, EZ "Eurozone", UN, QO "Outlying Oceania", XA/XB pseudo-locales.
    with pytest.raises(ValidationError):
        register(country=country)


@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "KWD", "CHF"])
def test_register_accepts_iso_4217_currencies(currency: str) -> None:
    assert register(currency=currency).currency == currency


@pytest.mark.parametrize("currency", ["", "eur", "EURO", "EU", "XYZ", "€", "E1R"])
def test_register_rejects_a_currency_that_is_not_iso_4217(currency: str) -> None:
    with pytest.raises(ValidationError) as raised:
        register(currency=currency)
    assert raised.value.field == "currency"


@pytest.mark.parametrize("currency", ["DEM", "FRF", "HRK", "XXX", "XTS", "XAU"])
def test_register_rejects_currencies_no_shop_can_price_in(currency: str) -> None:
    with pytest.raises(ValidationError):
        register(currency=currency)


@pytest.mark.parametrize(
    ("locale", "stored"),
    [("en", "en"), ("fr-LU", "fr_LU"), ("pt_BR", "pt_BR"), ("zh-Hant-TW", "zh_Hant_TW")],
)
def test_register_accepts_known_locales_in_either_spelling(locale: str, stored: str) -> None:
    assert register(locale=locale).locale == stored


@pytest.mark.parametrize("locale", ["", "x", "zz", "not a locale", "en__US", "fr_XX"])
def test_register_rejects_an_unknown_locale(locale: str) -> None:
    with pytest.raises(ValidationError) as raised:
        register(locale=locale)
    assert raised.value.field == "locale"


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * 201])
def test_register_rejects_a_blank_or_over_long_name(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        register(name=name)
    assert raised.value.field == "name"


# -- change details ----------------------------------------------------------------------------


def test_change_details_records_the_new_details() -> None:
    store = given(STORE_ID, registered())

    store.change_details(name="New  name", country="be", locale=None, at=at(10))

    assert new_events(store) == [
        ev(Store.DetailsChanged, name="New name", country="BE", locale="fr_LU")
    ]
    assert (store.name, store.country, store.locale) == ("New name", "BE", "fr_LU")
    assert store.modified_on == at(10)


def test_change_details_to_the_same_details_records_nothing() -> None:
    store = given(STORE_ID, registered())

    store.change_details(name=" Shop ", country="lu", locale="fr-LU", at=at(10))

    assert new_events(store) == []
    assert store.version == 1


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"name": " ", "country": None, "locale": None}, "name"),
        ({"name": "Fine", "country": "XX", "locale": None}, "country"),
        ({"name": "Fine", "country": "BE", "locale": "xx"}, "locale"),
    ],
)
def test_change_details_with_an_invalid_field_changes_nothing(
    details: dict[str, Any], field: str
) -> None:
    store = given(STORE_ID, registered())

    error = rejected(store, lambda: store.change_details(**details, at=at(10)), ValidationError)

    assert error.field == field


# -- suspend / reactivate ----------------------------------------------------------------------


def test_suspend_an_active_store() -> None:
    store = given(STORE_ID, registered())

    store.suspend(reason="  unpaid   invoices ", at=at(10))

    assert new_events(store) == [suspended("unpaid invoices")]
    assert store.status == "suspended"
    assert not store.is_active
    assert store.suspension_reason == "unpaid invoices"
    assert store.modified_on == at(10)


def test_suspend_a_suspended_store_is_an_invalid_transition() -> None:
    store = given(STORE_ID, registered(), suspended())

    error = rejected(store, lambda: store.suspend(reason="again", at=at(10)), StoreStateError)

    assert isinstance(error, ConflictError)
    assert error.code == "invalid_store_transition"
    assert error.fields == {"status": "suspended"}


@pytest.mark.parametrize("reason", ["", "   ", "r" * 201])
def test_suspend_needs_a_reason(reason: str) -> None:
    store = given(STORE_ID, registered())

    error = rejected(store, lambda: store.suspend(reason=reason, at=at(10)), ValidationError)

    assert error.field == "reason"


def test_reactivate_a_suspended_store() -> None:
    store = given(STORE_ID, registered(), suspended())

    store.reactivate(at=at(10))

    assert new_events(store) == [ev(Store.Reactivated)]
    assert store.status == "active"
    assert store.suspension_reason is None
    assert store.version == 3


def test_reactivate_an_active_store_is_an_invalid_transition() -> None:
    store = given(STORE_ID, registered(), suspended(), ev(Store.Reactivated))

    error = rejected(store, lambda: store.reactivate(at=at(10)), StoreStateError)

    assert error.fields == {"status": "active"}


def test_the_recorded_event_carries_the_command_time() -> None:
    store = given(STORE_ID, registered())

    store.suspend(reason="audit", at=at(42))

    (event,) = store.collect_events()
    assert event.timestamp == at(42)
    assert event.originator_version == 2
