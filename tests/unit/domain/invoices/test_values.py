"""How numbers are written, and the checks of the invoicing values."""

from __future__ import annotations

import pytest

from domain.invoices.values import check_language, check_seller, number_text
from domain.shared.errors import ValidationError


@pytest.mark.parametrize(
    ("prefix", "year", "number", "text"),
    [
        ("", 2026, 1, "2026-000001"),
        ("INV", 2026, 1, "INV-2026-000001"),
        ("CN", 2026, 42, "CN-2026-000042"),
        ("", 2027, 999_999, "2027-999999"),
        ("", 2027, 1_000_000, "2027-1000000"),  # the series outgrows its digits, never wraps
    ],
)
def test_a_number_is_written_prefix_year_and_six_digits(
    prefix: str, year: int, number: int, text: str
) -> None:
    assert number_text(prefix, year, number) == text


@pytest.mark.parametrize(
    ("given", "locale"),
    [("en", "en"), ("fr", "fr"), ("de", "de"), ("fr-LU", "fr_LU"), ("de_LU", "de_LU")],
)
def test_invoices_are_written_in_english_french_or_german(given: str, locale: str) -> None:
    assert check_language(given) == locale


@pytest.mark.parametrize("language", ["", "it", "lb", "xx", None, 3])
def test_other_languages_are_refused(language: object) -> None:
    with pytest.raises(ValidationError):
        check_language(language)


def test_a_seller_shows_a_legal_name_and_an_address() -> None:
    with pytest.raises(ValidationError) as raised:
        check_seller({"legal_name": "Golden"})
    assert raised.value.field == "seller.address"

    with pytest.raises(ValidationError) as raised:
        check_seller({"legal_name": "Golden", "address": {"country": "LU"}})
    assert raised.value.field == "seller.address.line1"

    with pytest.raises(ValidationError) as raised:
        check_seller({"legal_name": "Golden", "owner": "me"})
    assert raised.value.field == "seller.owner"
