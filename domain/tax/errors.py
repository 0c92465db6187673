"""The tax context's errors. Each is input the engine cannot tax, so each is a 422 at the API,
naming the offending field."""

from __future__ import annotations

from domain.shared.errors import ValidationError


class UnknownCountryError(ValidationError):
    """A country code that is not an ISO 3166-1 country, or not the member state asked for."""

    code = "unknown_country"


class SellerOutsideEuError(ValidationError):
    """The engine taxes sales by sellers established in a member state only."""

    code = "seller_outside_eu"


class UnknownTaxCategoryError(ValidationError):
    code = "unknown_tax_category"


class TaxRateUnknownError(ValidationError):
    """No rate of the table applies: a day before the table starts, say."""

    code = "tax_rate_unknown"


class InvalidVatNumberError(ValidationError):
    """A VAT number that python-stdnum refuses (format or check digits)."""

    code = "invalid_vat_number"
