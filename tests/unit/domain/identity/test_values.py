"""Identity's values: e-mails, the password rule, names, phones, addresses, roles."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from domain.identity.values import (
    PASSWORD_RULE,
    PERMISSIONS,
    ROLES,
    Address,
    check_language,
    check_password,
    check_phone,
    check_role,
    normalise_email,
    role_allows,
)
from domain.shared.errors import ValidationError

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "12 Rue des Tilleuls",
    "city": "Luxembourg",
    "postal_code": "L-1234",
    "country": "lu",
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Ada@Example.ORG", "ada@example.org"),
        ("  ada@example.org ", "ada@example.org"),
        ("ADA.Lovelace+shop@example.org", "ada.lovelace+shop@example.org"),
    ],
)
def test_one_person_one_address_whatever_the_case(given: str, expected: str) -> None:
    assert normalise_email(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "ada", "ada@", "@example.org", "a\x00@example.org", "a\n@x.io"]
)
def test_what_is_not_an_address_names_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_email(bad, "contact")
    assert raised.value.field == "contact"


def test_an_address_too_long_is_refused() -> None:
    with pytest.raises(ValidationError):
        normalise_email("a@" + "b" * 250 + ".io")


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("short1!", None),  # fewer than 10 characters
        ("aaaaabbbbb", None),  # fewer than 5 different characters
        ("x" * 129, None),
        ("my name is lovelace!", "lovelace@example.org"),  # the e-mail's name part
        ("pass\x00word long", None),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(password: str, email: str | None) -> None:
    with pytest.raises(ValidationError) as raised:
        check_password(password, email=email, field="new_password")
    assert (raised.value.field, raised.value.detail) == ("new_password", PASSWORD_RULE)


def test_a_good_password_passes_as_it_is() -> None:
    assert check_password("correct horse battery", email="ada@example.org") == (
        "correct horse battery"
    )
    assert check_password("ab1 is short but ok", email="ab@example.org")  # a 2-letter name


@pytest.mark.parametrize(
    ("phone", "expected"), [(None, None), ("  ", None), (" +352 621 123 456 ", "+352 621 123 456")]
)
def test_phones_are_optional_and_kept_as_written(phone: str | None, expected: str | None) -> None:
    assert check_phone(phone) == expected


@pytest.mark.parametrize("phone", ["call me", "+1 2", "12345678901234567890123456789012345"])
def test_what_is_not_a_phone_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError):
        check_phone(phone)


def test_languages_are_known_locales() -> None:
    assert check_language("fr-LU") == "fr_LU"
    with pytest.raises(ValidationError) as raised:
        check_language("klingon")
    assert raised.value.field == "language"


def test_an_address_is_normalised_and_its_fields_named_under_its_own() -> None:
    parsed = Address.parse({**ADDRESS, "line2": " ", "phone": "+352 621 123 456"})

    assert parsed.country == "LU" and parsed.line2 is None
    assert parsed.as_dict()["phone"] == "+352 621 123 456"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "XX"}, "billing.country"),
        ({"line1": ""}, "billing.line1"),
        ({"city": None}, "billing.city"),
        ({"postal_code": "  "}, "billing.postal_code"),
        ({"vat_number": "LU15027443"}, "billing.vat_number"),
        ({"phone": "no"}, "billing.phone"),
    ],
)
def test_a_bad_address_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Address.parse({**ADDRESS, **change}, "billing")
    assert raised.value.field == field


def test_a_valid_eu_vat_number_is_kept_compact() -> None:
    assert Address.parse({**ADDRESS, "vat_number": "LU 15027442"}).vat_number == "LU15027442"


def test_each_role_allows_what_the_matrix_says() -> None:
    assert check_role("manager") == "manager"
    with pytest.raises(ValidationError):
        check_role("root")
    assert role_allows("owner", "billing", "write")
    assert not role_allows("admin", "billing", "write")
    assert role_allows("manager", "products", "write") and not role_allows(
        "manager", "team", "write"
    )
    assert role_allows("staff", "orders", "write") and not role_allows("staff", "products", "write")
    assert role_allows("viewer", "orders", "read") and not role_allows("viewer", "orders", "write")
    assert not role_allows(None, "orders", "read")
    # Each role allows at least what the next one down does.
    for higher, lower in itertools.pairwise(ROLES):
        assert PERMISSIONS[lower] <= PERMISSIONS[higher], (lower, higher)
