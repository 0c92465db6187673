"""InvoicingSettings: given events → command → expected events or error. One aggregate per
store; a change records only what changed, checked and normalised, and nothing when nothing
does; the seller an invoice shows is a snapshot of it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.invoices.aggregates import InvoicingSettings
from domain.invoices.errors import InvoicingNotSetUpError
from domain.invoices.values import CREDIT_NOTE, DEFAULTS, INVOICE
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9101")
SETTINGS_ID = InvoicingSettings.id_for(STORE)
ADDRESS = {
    "line1": "12 rue de la Gare",
    "line2": None,
    "postal_code": "L-1611",
    "city": "Luxembourg",
    "country": "LU",
}


def created() -> Any:
    return ev(InvoicingSettings.Created, store_id=STORE)


def changed(**values: Any) -> Any:
    return ev(InvoicingSettings.Changed, values=values)


def test_a_store_has_one_set_of_invoicing_settings_with_defaults() -> None:
    settings = InvoicingSettings.create(store_id=STORE, at=at(0))

    assert new_events(settings) == [created()]
    assert settings.id == SETTINGS_ID == store_singleton_id(STORE, "invoicing")
    assert settings.values == DEFAULTS
    assert settings.issue_on_payment is True
    assert settings.language == "en"
    assert (settings.prefix(INVOICE), settings.prefix(CREDIT_NOTE)) == ("", "CN")


def test_a_change_records_the_settings_checked_and_normalised() -> None:
    settings = given(SETTINGS_ID, created())

    settings.change(
        values={
            "legal_name": "  Golden   Shop Sàrl ",
            "address": {**ADDRESS, "country": "lu", "line2": "  "},
            "registration_number": "B123456",
            "iban": "lu28 0019 4006 4475 0000",
            "bic": "bcee lu ll",
            "payment_terms_days": 30,
            "footer": "  Merci !\nÀ bientôt.  ",
            "logo": "logo-7",
            "language": "fr-LU",
            "series_prefix": "INV",
            "issue_on_payment": False,
        },
        at=at(5),
    )

    assert new_events(settings) == [
        changed(
            legal_name="Golden Shop Sàrl",
            address=ADDRESS,
            registration_number="B123456",
            iban="LU280019400644750000",
            bic="BCEELULL",
            payment_terms_days=30,
            footer="Merci !\nÀ bientôt.",
            logo="logo-7",
            language="fr_LU",
            series_prefix="INV",
            issue_on_payment=False,
        )
    ]
    assert settings.issue_on_payment is False
    assert settings.prefix(INVOICE) == "INV"


def test_a_change_records_only_what_changed() -> None:
    settings = given(SETTINGS_ID, created(), changed(legal_name="Golden", payment_terms_days=30))

    settings.change(values={"legal_name": "Golden", "payment_terms_days": 14}, at=at(5))

    assert new_events(settings) == [changed(payment_terms_days=14)]


def test_a_change_to_what_it_is_records_nothing() -> None:
    settings = given(SETTINGS_ID, created(), changed(address=ADDRESS, language="de"))

    settings.change(values={"address": dict(ADDRESS), "language": "de", "logo": None}, at=at(5))

    assert new_events(settings) == []


def test_none_clears_an_optional_setting() -> None:
    settings = given(SETTINGS_ID, created(), changed(iban="LU280019400644750000"))

    settings.change(values={"iban": None}, at=at(5))

    assert new_events(settings) == [changed(iban=None)]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"iban": "LU28 0019 4006 4475 0001"}, "iban"),
        ({"bic": "BCEELU"}, "bic"),
        ({"payment_terms_days": 366}, "payment_terms_days"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"payment_terms_days": "30"}, "payment_terms_days"),
        ({"language": "it"}, "language"),
        ({"language": "xx_YY"}, "language"),
        ({"series_prefix": "IN V"}, "series_prefix"),
        ({"series_prefix": "-INV"}, "series_prefix"),
        ({"series_prefix": "ABCDEFGHIJK"}, "series_prefix"),
        ({"credit_note_prefix": "CN/"}, "credit_note_prefix"),
        ({"credit_note_prefix": ""}, "credit_note_prefix"),  # the invoices' own (none)
        ({"series_prefix": "CN"}, "series_prefix"),
        ({"issue_on_payment": "yes"}, "issue_on_payment"),
        ({"address": {**ADDRESS, "country": "XX"}}, "address.country"),
        ({"address": {**ADDRESS, "city": " "}}, "address.city"),
        ({"address": {**ADDRESS, "state": "LU"}}, "address.state"),
        ({"legal_name": "Golden\x00"}, "legal_name"),
        ({"footer": "x" * 1001}, "footer"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_setting_is_refused_and_changes_nothing(values: dict[str, Any], field: str) -> None:
    settings = given(SETTINGS_ID, created())

    error = rejected(settings, lambda: settings.change(values=values, at=at(5)), ValidationError)

    assert error.field == field


def test_the_seller_is_a_snapshot_of_the_settings_with_the_vat_number() -> None:
    settings = given(
        SETTINGS_ID,
        created(),
        changed(legal_name="Golden Sàrl", address=ADDRESS, payment_terms_days=14, logo="l-1"),
    )

    seller = settings.seller(vat_number="LU26375245")
    seller["address"]["city"] = "Esch"  # a snapshot: changing it leaves the settings alone

    assert seller == {
        "legal_name": "Golden Sàrl",
        "address": {**ADDRESS, "city": "Esch"},
        "vat_number": "LU26375245",
        "registration_number": None,
        "iban": None,
        "bic": None,
        "payment_terms_days": 14,
        "footer": None,
        "logo": "l-1",
    }
    assert settings.values["address"] == ADDRESS


@pytest.mark.parametrize(
    ("history", "missing"),
    [
        ((), ["legal_name", "address"]),
        ((changed(legal_name="Golden"),), ["address"]),
        ((changed(address=ADDRESS),), ["legal_name"]),
    ],
)
def test_no_seller_until_the_legal_name_and_address_are_set(
    history: tuple[Any, ...], missing: list[str]
) -> None:
    settings = given(SETTINGS_ID, created(), *history)

    with pytest.raises(InvoicingNotSetUpError) as raised:
        settings.seller(vat_number=None)

    assert raised.value.fields["missing"] == missing
    assert raised.value.code == "invoicing_not_set_up"
