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
    # On the integers of the fraction: Fraction arithmetic costs microseconds a step, and the
    # engine rounds a few times per line of every order.
    whole, rest = divmod(abs(value.numerator), value.denominator)  # denominator > 0
    if 2 * rest >= value.denominator:
        whole += 1
    return whole if value.numerator >= 0 else -whole


def vat_on_net(net: int, rate: Decimal) -> int:
    """The VAT on a net amount in cents: ``round_half_up(net * rate / 100)``."""
    numerator, denominator = rate.as_integer_ratio()
    return round_half_up(Fraction(net * numerator, 100 * denominator))


def vat_in_gross(gross: int, rate: Decimal) -> int:
    """The VAT a gross (VAT-inclusive) amount holds: ``round_half_up(gross * rate / (100 +
    rate))``; the net is then ``gross - vat``, so that net and VAT add up to what was paid."""
    numerator, denominator = rate.as_integer_ratio()  # gross * n/d / (100 + n/d)
    return round_half_up(Fraction(gross * numerator, 100 * denominator + numerator))


def rate_text(rate: Decimal) -> str:
    """A rate as the API and documents write it: ``"17"``, ``"5.5"``, ``"0"`` (no exponent, no
    trailing zeros)."""
    return format(rate.normalize(), "f")
