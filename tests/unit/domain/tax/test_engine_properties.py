"""Properties of the VAT engine over random sales: the per-rate figures add up to the totals,
gross = net + VAT, each rate's VAT is the one rounding of what that rate charges, a shopper
pays the prices shown when they include VAT, and the kept dictionary gives the result back."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.tax.policies import Buyer, Seller, TaxLine, TaxResult, allocate, tax_sale
from domain.tax.rounding import round_half_up, vat_in_gross, vat_on_net
from domain.tax.values import EU_COUNTRIES, Mention, Regime, TaxCategory

NUMBERS = {
    "LU": "LU26375245",
    "DE": "DE136695976",
    "FR": "FR40303265045",
    "GR": "EL094259216",
    "AT": "ATU13585627",
    "BE": "BE0403019261",
    "IE": "IE6388047V",
    "NL": "NL004495445B01",
}
ZERO_RATED = {Regime.INTRA_EU_B2B, Regime.EXPORT, Regime.EXEMPT}


@st.composite
def sellers(draw: st.DrawFn) -> Seller:
    country = draw(st.sampled_from(sorted(NUMBERS)))
    return Seller(
        country=country,
        vat_number=draw(st.sampled_from([None, NUMBERS[country]])),
        oss_opt_in=draw(st.booleans()),
        cross_border_previous_year=draw(st.integers(0, 1_200_000)),
        cross_border_current_year=draw(st.integers(0, 1_200_000)),
    )


buyers = st.builds(
    Buyer,
    country=st.sampled_from([*sorted(EU_COUNTRIES), "CH", "US", "GB", "NO"]),
    vat_number=st.none() | st.sampled_from([*NUMBERS.values(), "FR40303265046", "junk"]),
    vat_number_verified=st.none() | st.booleans(),
)
lines = st.lists(
    st.tuples(
        st.sampled_from([c.value for c in TaxCategory]),
        st.integers(0, 100_000),
        st.integers(1, 20),
    ),
    max_size=6,
).map(lambda raw: [TaxLine(f"L{i}", c, price, q) for i, (c, price, q) in enumerate(raw)])
days = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))


def charged(result: TaxResult) -> dict[Decimal, int]:
    by_rate: dict[Decimal, int] = {}
    parts = [(line.rate, line.amount) for line in result.lines]
    for rate, amount in [*parts, *((s.rate, s.amount) for s in result.shipping_parts)]:
        by_rate[rate] = by_rate.get(rate, 0) + amount
    return by_rate


@given(sellers(), buyers, lines, st.integers(0, 5000), st.booleans(), days)
def test_the_figures_add_up(
    seller: Seller,
    buyer: Buyer,
    taxed_lines: list[TaxLine],
    shipping: int,
    include: bool,
    day: date,
) -> None:
    result = tax_sale(
        seller=seller,
        buyer=buyer,
        lines=taxed_lines,
        shipping=shipping,
        prices_include_vat=include,
        on=day,
    )

    # Per-rate VAT adds up to the VAT; gross = net + VAT.
    assert sum(total.vat for total in result.breakdown) == result.vat
    assert sum(total.taxable for total in result.breakdown) == result.net
    assert result.gross == result.net + result.vat

    # Each rate's figures are the one rounding of what lines and shipping charge at it.
    by_rate = charged(result)
    assert {total.rate for total in result.breakdown} == set(by_rate)
    for total in result.breakdown:
        amount = by_rate[total.rate]
        if include:
            assert (total.taxable, total.vat) == (
                amount - vat_in_gross(amount, total.rate),
                vat_in_gross(amount, total.rate),
            )
        else:
            assert (total.taxable, total.vat) == (amount, vat_on_net(amount, total.rate))

    # What the shopper pays: the prices shown when they include VAT (a 0% sale takes the
    # seller's VAT off them); the prices plus VAT when they do not.
    listed = sum(line.unit_price * line.quantity for line in taxed_lines) + shipping
    if not include:
        assert result.net == listed
    elif result.regime in (Regime.INTRA_EU_B2B, Regime.EXPORT):
        assert result.gross <= listed
    else:
        assert result.gross == listed

    if result.regime in ZERO_RATED:
        assert result.vat == 0 and {t.rate for t in result.breakdown} <= {Decimal(0)}
    expected = {
        Regime.INTRA_EU_B2B: {Mention.REVERSE_CHARGE},
        Regime.EXPORT: {Mention.EXPORT},
        Regime.EXEMPT: {Mention.EXEMPT},
    }.get(result.regime, set())
    if any(line.tax_category == "exempt" for line in taxed_lines):
        expected = expected | {Mention.EXEMPT}
    assert set(result.mentions) == expected

    # The dictionary orders and invoices keep is plain JSON and gives the result back.
    kept = json.loads(json.dumps(result.as_dict()))
    assert TaxResult.from_dict(kept) == result
    assert TaxResult.from_dict(kept).as_dict() == kept


@given(lines, st.integers(0, 5000), days, st.sampled_from(sorted(EU_COUNTRIES - {"LU"})))
def test_with_prices_including_vat_the_destination_does_not_change_what_is_paid(
    taxed_lines: list[TaxLine], shipping: int, day: date, destination: str
) -> None:
    seller = Seller("LU", "LU26375245", True, 0, 0)
    paid = [
        tax_sale(
            seller=seller,
            buyer=Buyer(country),
            lines=taxed_lines,
            shipping=shipping,
            prices_include_vat=True,
            on=day,
        ).gross
        for country in ("LU", destination)
    ]
    assert paid[0] == paid[1] == sum(x.unit_price * x.quantity for x in taxed_lines) + shipping


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_allocate_shares_in_proportion_and_to_the_cent(total: int, weights: list[int]) -> None:
    if not sum(weights):
        weights = [*weights[:-1], 1]
    shares = allocate(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - Fraction(total * weight, sum(weights))) < 1


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**12))
def test_round_half_up_is_the_nearest_whole_number_halves_away_from_zero(value: Fraction) -> None:
    # rounding.py rounds on the fraction's integers (for speed); this is its definition.
    floor = value.numerator // value.denominator
    nearest = floor + 1 if value - floor > Fraction(1, 2) else floor
    if value - floor == Fraction(1, 2):
        nearest = floor + 1 if value > 0 else floor
    assert round_half_up(value) == nearest
