"""Money: integer minor units plus an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_precision, get_territory_currencies

from domain.shared.checks import check_whole
from domain.shared.errors import ValidationError

MAX_AMOUNT = 10**12  # a trillion minor units: far above any real price, well inside BIGINT


# A fixed date, not "today": the domain has no clock, and validation must not drift with time.
_CURRENCIES_AS_OF = date(2026, 1, 1)


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """ISO 4217 currencies that are legal tender somewhere (no DEM, XXX, XAU or test codes)."""
    found: set[str] = set()
    for territory in Locale("en").territories:
        if isinstance(territory, str) and len(territory) == 2 and territory.isalpha():
            found.update(
                get_territory_currencies(territory, start_date=_CURRENCIES_AS_OF, tender=True)
            )
    return frozenset(found)


def check_currency(currency: object, field: str = "currency") -> str:
    if not isinstance(currency, str) or currency not in iso_currencies():
        raise ValidationError(field, f"{currency!r} is not an ISO 4217 currency code")
    return currency


def minor_unit_digits(currency: str) -> int:
    """How many decimals the currency's minor unit has (EUR 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


def format_minor(amount: int, currency: str) -> str:
    """Minor units as the currency writes them, in integers (never floats): ``1999, "EUR"`` ->
    ``"19.99 EUR"``, ``-5, "EUR"`` -> ``"-0.05 EUR"``, ``500, "JPY"`` -> ``"500 JPY"``."""
    digits = minor_unit_digits(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**digits)
    return (
        f"{sign}{whole}.{fraction:0{digits}d} {currency}" if digits else f"{sign}{whole} {currency}"
    )


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str

    @classmethod
    def of(cls, amount: object, currency: object, field: str = "price") -> Money:
        minor = check_whole(amount, f"{field}.amount", low=0, high=MAX_AMOUNT)
        return cls(minor, check_currency(currency, f"{field}.currency"))

    def as_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency}
