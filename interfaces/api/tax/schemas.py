"""Bodies and answers of a store's tax settings and VAT quotes, and the VAT figures the
checkout and the cart show.

Limits here are the transport's; the rules (VAT numbers, countries, tax categories, the days
the rate table knows) are the domain's, which name the field they refuse
(``lines[0].tax_category``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.shared.money import MAX_AMOUNT
from domain.tax.policies import MAX_QUANTITY, TaxResult
from domain.tax.values import Regime, TaxCategory
from interfaces.api.common import CountryCode, Omittable, QueryDate, StrictModel
from interfaces.api.orders.schemas.desk import RateFigures, TaxBreakdown

MAX_VAT_NUMBER = 32
MAX_QUOTE_LINES = 200

VatNumber = Annotated[
    str,
    Field(
        max_length=MAX_VAT_NUMBER,
        description="An EU VAT number with its country prefix (checked with its check digits)",
        json_schema_extra={"examples": ["LU26375245"]},
    ),
]
# JSON has no date type: a quote's day comes as text, which the strict models would refuse.
JsonDate = Annotated[QueryDate, Field(strict=False)]
Cents = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]


# -- settings -------------------------------------------------------------------------------------


class CrossBorderSalesPublic(BaseModel):
    previous_year: int
    current_year_before_orion: int
    year: int | None = Field(
        description="the calendar year the figures were entered in: they speak of that year "
        "and the one before, so that next year the entered 'this year' counts as last year's"
    )


class TaxSettingsPublic(BaseModel):
    """``cross_border_b2c_sales``: the store's EU-wide distance sales to consumers before Orion,
    in cents net of VAT (last calendar year, and this year before it sold in Orion); Orion adds
    its own sales to them for the EUR 10,000 threshold."""

    vat_number: str | None
    prices_include_vat: bool
    oss_opt_in: bool
    vies_check: bool
    cross_border_b2c_sales: CrossBorderSalesPublic


class CrossBorderSalesChange(StrictModel):
    """The figures to change; one left out is kept."""

    previous_year: Cents = Omittable()
    current_year_before_orion: Cents = Omittable()


class TaxSettingsChange(StrictModel):
    """The settings to change (at least one); a member left out is kept. ``vat_number`` null
    takes the number off; it must be a number of the store's own member state."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "vat_number": "LU26375245",
                    "vies_check": True,
                    "cross_border_b2c_sales": {"current_year_before_orion": 420_000},
                }
            ]
        }
    )

    vat_number: VatNumber | None = None
    prices_include_vat: bool = Omittable()
    oss_opt_in: bool = Omittable()
    vies_check: bool = Omittable()
    cross_border_b2c_sales: CrossBorderSalesChange = Omittable()


# -- quotes -------------------------------------------------------------------------------------

CategoryName = Annotated[
    str,
    Field(
        description="The product's tax category",
        json_schema_extra={"enum": [c.value for c in TaxCategory], "examples": ["books"]},
    ),
]


class QuoteBuyer(StrictModel):
    country: CountryCode
    # A business buyer's number (a consumer gives none).
    vat_number: VatNumber | None = None


class QuoteLine(StrictModel):
    tax_category: CategoryName
    unit_price: Cents = Field(description="cents, with VAT or not as the store's prices are")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class QuoteBody(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "buyer": {"country": "FR"},
                    "lines": [
                        {"tax_category": "books", "unit_price": 1250, "quantity": 2},
                        {"tax_category": "standard", "unit_price": 1990, "quantity": 1},
                    ],
                    "shipping": 490,
                }
            ]
        }
    )

    buyer: QuoteBuyer
    lines: list[QuoteLine] = Field(max_length=MAX_QUOTE_LINES)
    shipping: Cents = 0
    # The day of the sale (its rates); today in the store's member state by default.
    date: JsonDate | None = None


class TaxQuote(BaseModel):
    """What checkout would charge: per rate, the taxable amount and the VAT (cents)."""

    regime: str = Field(
        description="domestic, eu_b2c_origin, eu_b2c_destination, intra_eu_b2b, export or exempt",
        json_schema_extra={"enum": [r.value for r in Regime]},
    )
    breakdown: list[RateFigures]
    net: int
    vat: int
    gross: int
    mentions: list[str] = Field(description="reverse_charge, export, exempt")


def quote_answer(taxed: TaxResult) -> TaxQuote:
    return TaxQuote.model_validate(taxed.as_dict())


# -- the cart's estimate ----------------------------------------------------------------------


class CartTaxEstimate(TaxBreakdown):
    """An estimate of the cart's VAT, without shipping, for a consumer in ``country`` (the
    customer's default shipping country, else the store's), at today's rates. Checkout works
    out the VAT of the order itself, for its address and buyer."""

    estimate: bool = Field(default=True, description="always true: this is an estimate")
    country: str


def cart_estimate(taxed: TaxResult, country: str) -> CartTaxEstimate:
    return CartTaxEstimate.model_validate({**taxed.as_dict(), "country": country})
