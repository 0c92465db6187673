"""Validation of a store's identity and locale settings (pure functions)."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from domain.shared.checks import check_line
from domain.shared.errors import ValidationError

CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
MAX_NAME = 200


# CLDR lists these two-letter codes beside the countries, but they are not ISO 3166-1 countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        k
        for k in territories
        if isinstance(k, str) and len(k) == 2 and k.isalpha() and k not in _NOT_COUNTRIES
    )


def check_code(code: str) -> str:
    normalised = code.strip().lower()
    if not CODE_RE.match(normalised):
        raise ValidationError(
            "code",
            "must be 1-32 characters of letters, digits and inner hyphens (it is used in URLs)",
        )
    return normalised


def check_name(name: str, field: str = "name") -> str:
    return check_line(name, field, limit=MAX_NAME)


def check_country(country: str) -> str:
    upper = country.strip().upper()
    if upper not in iso_countries():
        raise ValidationError("country", f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    return upper


def check_locale(locale: str) -> str:
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ValidationError("locale", f"{locale!r} is not a known locale") from None
    return str(parsed)
