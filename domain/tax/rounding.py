"""VAT's arithmetic, written down once: integer cents, rates as ``Decimal`` percentages, and
one rounding rule, half up (away from zero for negative amounts, so that a credit note is the
exact mirror of the invoice it corrects).

VAT is rounded once per rate, on the sum of that rate's amounts (EN 16931, BR-CO-17), never per
line: callers add up a rate's lines first, then call these.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction) -> int:
    """The nearest whole number; halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    magnitude = abs(value)
    whole = int(magnitude)  # floor, for a non-negative Fraction
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return whole if value >= 0 else -whole


def vat_on_net(net: int, rate: Decimal) -> int:
    """The VAT on a net amount in cents: ``round_half_up(net * rate / 100)``."""
    return round_half_up(Fraction(net) * Fraction(rate) / 100)


def vat_in_gross(gross: int, rate: Decimal) -> int:
    """The VAT a gross (VAT-inclusive) amount holds: ``round_half_up(gross * rate / (100 +
    rate))``; the net is then ``gross - vat``, so that net and VAT add up to what was paid."""
    return round_half_up(Fraction(gross) * Fraction(rate) / (100 + Fraction(rate)))


def rate_text(rate: Decimal) -> str:
    """A rate as the API and documents write it: ``"17"``, ``"5.5"``, ``"0"`` (no exponent, no
    trailing zeros)."""
    return format(rate.normalize(), "f")
