"""The invoices context's values: the kinds of document and their statuses, how a number is
written, and the checks of a store's invoicing settings.

Numbers. Each store has one series per kind of document and calendar year (``InvoiceSeries``),
counting 1, 2, 3... The number a document shows is ``[prefix-]YEAR-NNNNNN``: an invoice's prefix
is the store's ``series_prefix`` (none by default: ``2026-000001``), a credit note's is its
``credit_note_prefix`` (``CN`` by default: ``CN-2026-000001``). The prefix is a label: the count
belongs to the (kind, year) series, so a store that changes its prefix in June keeps counting
where it was, and no two documents of a store ever show the same number. The two prefixes must
differ, so that an invoice and a credit note never read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from babel import Locale, UnknownLocaleError
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from domain.shared.checks import check_line, check_text, check_whole
from domain.shared.errors import ValidationError
from domain.stores.values import check_country

# -- documents ----------------------------------------------------------------------------------

INVOICE: Final = "invoice"
CREDIT_NOTE: Final = "credit_note"
KINDS = (INVOICE, CREDIT_NOTE)

# An invoice is issued, then partially or wholly credited by credit notes; its contents never
# change. A credit note is issued and stays so.
ISSUED: Final = "issued"
PARTIALLY_CREDITED: Final = "partially_credited"
CREDITED: Final = "credited"
STATUSES = (ISSUED, PARTIALLY_CREDITED, CREDITED)

# The regimes and mentions of the tax engine's result (TaxResult.as_dict()).
REGIMES = (
    "domestic",
    "eu_b2c_origin",
    "eu_b2c_destination",
    "intra_eu_b2b",
    "export",
    "exempt",
)
MENTIONS = ("reverse_charge", "export", "exempt")

MAX_DESCRIPTION = 500
MAX_REASON = 500
MAX_COMPANY = 200
MAX_LINES = 1000
MAX_NUMBER = 999_999_999
NUMBER_DIGITS = 6


def number_text(prefix: str, year: int, number: int) -> str:
    """The number a document shows: ``2026-000001``, or with a prefix ``INV-2026-000001``."""
    core = f"{year:04d}-{number:0{NUMBER_DIGITS}d}"
    return f"{prefix}-{core}" if prefix else core


# -- invoicing settings -------------------------------------------------------------------------

# The languages invoices are written in (the PDF templates' translations); a setting may name a
# regional locale of one of them (fr_LU), whose conventions then format dates and amounts.
LANGUAGES = ("en", "fr", "de")
_PREFIX = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?$")
MAX_LEGAL_NAME = 200
MAX_ADDRESS_LINE = 200
MAX_REGISTRATION = 50
MAX_FOOTER = 1000
MAX_LOGO_REF = 200
MAX_PAYMENT_TERMS_DAYS = 365

DEFAULTS: dict[str, Any] = {
    "legal_name": None,
    "address": None,
    "registration_number": None,
    "iban": None,
    "bic": None,
    "payment_terms_days": 0,  # due on the issue date: most shops are paid before invoicing
    "footer": None,
    "logo": None,
    "language": "en",
    "series_prefix": "",
    "credit_note_prefix": "CN",
    "issue_on_payment": True,
}


def _optional_line(value: object, field: str, limit: int) -> str | None:
    if value is None:
        return None
    return check_line(value, field, limit=limit, required=False) or None


def check_legal_name(value: object) -> str | None:
    return _optional_line(value, "legal_name", MAX_LEGAL_NAME)


def check_address(value: object, field: str = "address") -> dict[str, Any] | None:
    """A postal address ``{line1, line2, postal_code, city, country}`` (line2 may be left out),
    or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(field, "must be {line1, line2, postal_code, city, country}")
    unknown = set(value) - {"line1", "line2", "postal_code", "city", "country"}
    if unknown:
        raise ValidationError(f"{field}.{sorted(unknown)[0]}", "is not a part of an address")
    try:
        country = check_country(str(value.get("country") or ""))
    except ValidationError as error:
        raise ValidationError(f"{field}.country", error.detail) from None
    return {
        "line1": check_line(value.get("line1") or "", f"{field}.line1", limit=MAX_ADDRESS_LINE),
        "line2": _optional_line(value.get("line2"), f"{field}.line2", MAX_ADDRESS_LINE),
        "postal_code": check_line(value.get("postal_code") or "", f"{field}.postal_code", limit=20),
        "city": check_line(value.get("city") or "", f"{field}.city", limit=MAX_ADDRESS_LINE),
        "country": country,
    }


def check_registration_number(value: object) -> str | None:
    """The trade register number (in Luxembourg the RCS number, ``B123456``), as written."""
    return _optional_line(value, "registration_number", MAX_REGISTRATION)


def check_iban(value: object) -> str | None:
    """An IBAN in its compact form (``LU280019400644750000``), checked by python-stdnum."""
    if value is None:
        return None
    text = check_line(value, "iban", limit=50, required=False)
    if not text:
        return None
    try:
        return str(stdnum_iban.validate(text))
    except StdnumError as error:
        raise ValidationError("iban", f"is not a valid IBAN: {error}") from None


def check_bic(value: object) -> str | None:
    """A BIC (SWIFT code) in its compact form (``BCEELULL``), checked by python-stdnum."""
    if value is None:
        return None
    text = check_line(value, "bic", limit=20, required=False)
    if not text:
        return None
    try:
        return str(stdnum_bic.validate(text))
    except StdnumError as error:
        raise ValidationError("bic", f"is not a valid BIC: {error}") from None


def check_payment_terms(value: object) -> int:
    return check_whole(value, "payment_terms_days", low=0, high=MAX_PAYMENT_TERMS_DAYS)


def check_footer(value: object) -> str | None:
    if value is None:
        return None
    return check_text(value, "footer", limit=MAX_FOOTER, required=False) or None


def check_logo(value: object) -> str | None:
    """An opaque reference to the logo the application keeps (its bytes are not the domain's)."""
    return _optional_line(value, "logo", MAX_LOGO_REF)


def check_language(value: object, field: str = "language") -> str:
    """A babel locale whose language invoices are written in: ``en``, ``fr_LU``, ``de``..."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a locale of {', '.join(LANGUAGES)}")
    try:
        locale = Locale.parse(value.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ValidationError(field, f"{value!r} is not a known locale") from None
    if locale.language not in LANGUAGES:
        raise ValidationError(field, f"invoices are written in {', '.join(LANGUAGES)} only")
    return str(locale)


def check_prefix(value: object, field: str) -> str:
    """A series prefix: up to 10 letters, digits and inner hyphens, or none (``""``)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise ValidationError(
            field, "must be up to 10 letters, digits and inner hyphens (it goes into numbers)"
        )
    return value


def check_flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, "must be true or false")
    return value


SETTING_CHECKS: dict[str, Callable[[object], Any]] = {
    "legal_name": check_legal_name,
    "address": check_address,
    "registration_number": check_registration_number,
    "iban": check_iban,
    "bic": check_bic,
    "payment_terms_days": check_payment_terms,
    "footer": check_footer,
    "logo": check_logo,
    "language": check_language,
    "series_prefix": lambda v: check_prefix(v, "series_prefix"),
    "credit_note_prefix": lambda v: check_prefix(v, "credit_note_prefix"),
    "issue_on_payment": lambda v: check_flag(v, "issue_on_payment"),
}


def check_setting(key: str, value: object) -> Any:
    """One invoicing setting, checked and normalised (plain data: it goes into events)."""
    check = SETTING_CHECKS.get(key)
    if check is None:
        raise ValidationError(key, "is not an invoicing setting")
    return check(value)


# What an invoice shows of its seller: a snapshot of the settings (and of the VAT number from the
# tax settings) at issue, so that a later change of address never alters an issued document.
SELLER_FIELDS = (
    "legal_name",
    "address",
    "vat_number",
    "registration_number",
    "iban",
    "bic",
    "payment_terms_days",
    "footer",
    "logo",
)


def check_seller(seller: object) -> dict[str, Any]:
    """The seller as an invoice keeps it: legal name and address required (Article 226 (5)),
    the rest as the settings hold them (None when not set)."""
    if not isinstance(seller, dict):
        raise ValidationError("seller", "must be the seller's details")
    unknown = set(seller) - set(SELLER_FIELDS)
    if unknown:
        raise ValidationError(f"seller.{sorted(unknown)[0]}", "is not a detail of the seller")
    checked: dict[str, Any] = {}
    for key in SELLER_FIELDS:
        value = seller.get(key, DEFAULTS.get(key))
        try:
            if key == "vat_number":
                checked[key] = _optional_line(value, key, 30)
            else:
                checked[key] = check_setting(key, value)
        except ValidationError as error:
            raise ValidationError(f"seller.{error.field}", error.detail) from None
    for key in ("legal_name", "address"):
        if checked[key] is None:
            raise ValidationError(
                f"seller.{key}", "an invoice must show the seller's " + key.replace("_", " ")
            )
    return checked
