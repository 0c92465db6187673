"""VAT numbers (python-stdnum: format and check digits) and what the engine refuses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.shared.errors import ValidationError
from domain.tax.errors import (
    InvalidVatNumberError,
    SellerOutsideEuError,
    TaxRateUnknownError,
    UnknownCountryError,
    UnknownTaxCategoryError,
)
from domain.tax.policies import (
    Buyer,
    Seller,
    TaxLine,
    TaxResult,
    normalise_vat_number,
    supply_date,
    tax_sale,
    vat_number_country,
    vat_number_valid,
)

DAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("number", "country", "normalised"),
    [
        ("LU26375245", "LU", "LU26375245"),
        ("lu 2637 5245", "LU", "LU26375245"),
        ("DE136695976", "DE", "DE136695976"),
        ("FR 40 303 265 045", "FR", "FR40303265045"),
        ("EL094259216", "GR", "EL094259216"),
        ("GR094259216", "GR", "EL094259216"),  # stdnum takes GR; invoices and VIES use EL
        ("ATU13585627", "AT", "ATU13585627"),
        ("BE0403019261", "BE", "BE0403019261"),
    ],
)
def test_a_valid_number(number: str, country: str, normalised: str) -> None:
    assert vat_number_valid(number)
    assert vat_number_country(number) == country
    assert normalise_vat_number(number) == normalised


@pytest.mark.parametrize(
    "number",
    [
        "FR40303265046",  # check digits
        "LU26375246",
        "LU2637524",  # length
        "US123456789",  # not an EU prefix
        "XI980780684",  # Northern Ireland: valid for stdnum, not a member state's
        "EU372000041",  # an OSS number for non-EU sellers
        "",
        "   ",
    ],
)
def test_an_invalid_number(number: str) -> None:
    assert not vat_number_valid(number)
    assert vat_number_country(number) is None
    with pytest.raises(InvalidVatNumberError) as raised:
        normalise_vat_number(number)
    assert raised.value.field == "vat_number" and raised.value.code == "invalid_vat_number"


SELLER = Seller("LU", "LU26375245", False, 0, 0)
LINE = TaxLine("A", "standard", 1000, 1)


def sale(**changes: object) -> TaxResult:
    args: dict[str, object] = {
        "seller": SELLER,
        "buyer": Buyer("LU"),
        "lines": [LINE],
        "shipping": 0,
        "prices_include_vat": True,
        "on": DAY,
    }
    args.update(changes)
    return tax_sale(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"buyer": Buyer("ZZ")}, UnknownCountryError, "buyer.country"),
        ({"seller": Seller("XX", None, False, 0, 0)}, UnknownCountryError, "seller.country"),
        ({"seller": Seller("CH", None, False, 0, 0)}, SellerOutsideEuError, "seller.country"),
        (
            {"seller": Seller("LU", "LU26375246", False, 0, 0)},
            InvalidVatNumberError,
            "seller.vat_number",
        ),
        (
            {"seller": Seller("LU", None, False, -1, 0)},
            ValidationError,
            "seller.cross_border_previous_year",
        ),
        (
            {"lines": [TaxLine("A", "luxury", 1, 1)]},
            UnknownTaxCategoryError,
            "lines[0].tax_category",
        ),
        ({"lines": [TaxLine("A", "standard", -1, 1)]}, ValidationError, "lines[0].unit_price"),
        ({"lines": [TaxLine("A", "standard", 1, 0)]}, ValidationError, "lines[0].quantity"),
        ({"lines": [LINE, LINE]}, ValidationError, "lines[1].key"),
        ({"lines": [TaxLine("", "standard", 1, 1)]}, ValidationError, "lines[0].key"),
        ({"shipping": -5}, ValidationError, "shipping"),
        ({"shipping": 1.5}, ValidationError, "shipping"),
        ({"prices_include_vat": "yes"}, ValidationError, "prices_include_vat"),
        ({"on": date(2022, 12, 31)}, TaxRateUnknownError, "date"),
    ],
)
def test_what_the_engine_refuses(
    changes: dict[str, object], error: type[ValidationError], field: str
) -> None:
    with pytest.raises(error) as raised:
        sale(**changes)
    assert raised.value.field == field


def test_countries_are_read_in_any_case() -> None:
    result = sale(seller=Seller("lu", None, False, 0, 0), buyer=Buyer(" fr "))
    assert (result.seller_country, result.buyer_country) == ("LU", "FR")


def test_a_seller_without_a_vat_number_cannot_zero_rate_a_business_sale() -> None:
    # Art. 138 needs both numbers on the invoice: without its own, the sale is a consumer's.
    result = sale(seller=Seller("LU", None, False, 0, 0), buyer=Buyer("FR", "FR40303265045"))
    assert result.regime == "eu_b2c_origin"


def test_supply_date_needs_an_aware_instant_and_a_member_state() -> None:
    with pytest.raises(ValueError, match="timezone"):
        supply_date(datetime(2026, 1, 1, 12), "LU")
    with pytest.raises(UnknownCountryError):
        supply_date(datetime.fromisoformat("2026-01-01T12:00:00+00:00"), "US")
