from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.tax.rounding import rate_text, round_half_up, vat_in_gross, vat_on_net

RATES = st.sampled_from([Decimal(r) for r in ("0", "3", "5.5", "7", "17", "20", "25.5", "27")])


def test_halves_round_away_from_zero() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (-5, -3, -1, 1, 3, 5)] == [-3, -2, -1, 1, 2, 3]
    assert round_half_up(Fraction(249, 100)) == 2
    assert round_half_up(Fraction(-249, 100)) == -2


def test_vat_of_the_issue_s_examples() -> None:
    # 100.00 net at 17%: 17.00; 117.00 gross at 17% holds 17.00; 10.00 gross at 5.5% holds 0.52.
    assert vat_on_net(10_000, Decimal("17")) == 1_700
    assert vat_in_gross(11_700, Decimal("17")) == 1_700
    assert vat_in_gross(1_000, Decimal("5.5")) == 52  # 1000 * 5.5 / 105.5 = 52.13


def test_rates_are_written_without_trailing_zeros() -> None:
    assert [rate_text(Decimal(r)) for r in ("17", "17.0", "5.50", "0", "25.5", "1E+1")] == [
        "17",
        "17",
        "5.5",
        "0",
        "25.5",
        "10",
    ]


@given(st.integers(-(10**12), 10**12), RATES)
def test_a_credit_is_the_mirror_of_its_invoice(amount: int, rate: Decimal) -> None:
    assert vat_on_net(-amount, rate) == -vat_on_net(amount, rate)
    assert vat_in_gross(-amount, rate) == -vat_in_gross(amount, rate)


@given(st.integers(0, 10**12), RATES)
def test_net_from_gross_gives_back_the_gross(gross: int, rate: Decimal) -> None:
    vat = vat_in_gross(gross, rate)
    net = gross - vat
    # The VAT of that net, computed forward, is within a cent of what the gross held.
    assert abs(vat_on_net(net, rate) - vat) <= 1
    assert 0 <= vat <= gross
