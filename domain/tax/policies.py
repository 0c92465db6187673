"""The VAT engine: under which regime a sale falls, and what it charges, per rate, in cents.

The regime (Directive 2006/112/EC):

- ``exempt``: every line is an exempt supply (Art. 132, 135); 0%;
- ``export``: the buyer is outside the EU (Art. 146); 0%;
- ``domestic``: the buyer is in the seller's state; the seller's rates;
- ``intra_eu_b2b``: the buyer gives a VAT number of another member state that python-stdnum
  accepts and VIES did not refuse, and the seller has a VAT number itself (both go on the
  invoice); 0%, reverse charge (Art. 138, 196). Any other number is a consumer's sale;
- ``eu_b2c_origin``: a consumer in another member state while the seller's EU-wide distance
  sales, net of VAT, stay within EUR 10,000 in the previous and the current year (Art. 59c);
  the seller's rates. The sale that takes the current year's figure past the threshold is
  already taxed at destination;
- ``eu_b2c_destination``: beyond the threshold, or always once the seller opted in to OSS;
  the buyer's state's rates.

The amounts: lines are grouped by rate and VAT is rounded once per rate on each group's sum
(EN 16931 BR-CO-17). With prices including VAT, what a line charges is its price: VAT is what
the group's gross holds and net = gross - VAT, so the shopper pays the same at any rate. Shipping
is ancillary to the goods: it is shared across the lines' rates in proportion to their amounts
(or takes the standard rate when there are no lines to follow). A 0% sale (export, intra-EU B2B)
from prices including VAT charges each price less the seller's own VAT, removed per seller rate
group the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from domain.shared.checks import check_whole
from domain.shared.errors import ValidationError
from domain.shared.money import MAX_AMOUNT
from domain.stores.values import iso_countries
from domain.tax.errors import (
    InvalidVatNumberError,
    SellerOutsideEuError,
    TaxRateUnknownError,
    UnknownCountryError,
    UnknownTaxCategoryError,
)
from domain.tax.rates import RATES_VERSION, kind_for, rate_of_kind
from domain.tax.rounding import rate_text, round_half_up, vat_in_gross, vat_on_net
from domain.tax.values import (
    COUNTRY_OF_VAT_PREFIX,
    DISTANCE_SALES_THRESHOLD,
    EU_COUNTRIES,
    TABLE_START,
    TIME_ZONES,
    VAT_PREFIX_OF_COUNTRY,
    Mention,
    Regime,
    TaxCategory,
)

ZERO = Decimal(0)
MAX_QUANTITY = 1_000_000
_CATEGORIES = frozenset(TaxCategory)
_NO_VAT_KINDS = frozenset({"zero", "exempt"})
_ZERO_RATED = frozenset({Regime.INTRA_EU_B2B, Regime.EXPORT})
_REGIME_MENTION = {
    Regime.INTRA_EU_B2B: Mention.REVERSE_CHARGE,
    Regime.EXPORT: Mention.EXPORT,
    Regime.EXEMPT: Mention.EXEMPT,
}


# -- VAT numbers --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _checked_number(number: str) -> str | None:
    """The number in its compact form with its member state's VAT prefix (EL for Greece), or
    None when stdnum refuses it or a member state did not issue it (XI, the OSS's EU)."""
    try:
        compact = str(eu_vat.validate(number))
    except StdnumValidationError:
        return None
    prefix = compact[:2]
    country = COUNTRY_OF_VAT_PREFIX.get(prefix, prefix)
    if country not in EU_COUNTRIES:
        return None
    return VAT_PREFIX_OF_COUNTRY.get(country, country) + compact[2:]


def vat_number_valid(number: str) -> bool:
    """Whether a member state's VAT number has the right format and check digits (stdnum;
    not whether it is registered: that is what VIES answers)."""
    return isinstance(number, str) and _checked_number(number) is not None


def vat_number_country(number: str) -> str | None:
    """The ISO country of the member state that issued a valid number (``EL…`` is ``GR``)."""
    checked = _checked_number(number) if isinstance(number, str) else None
    if checked is None:
        return None
    return COUNTRY_OF_VAT_PREFIX.get(checked[:2], checked[:2])


def normalise_vat_number(number: str, field: str = "vat_number") -> str:
    """A valid number in the form invoices and VIES use: no spaces or dots, upper case, the
    member state's prefix (``"lu 2637 5245"`` -> ``"LU26375245"``, ``GR…`` -> ``EL…``)."""
    checked = _checked_number(number) if isinstance(number, str) else None
    if checked is None:
        raise InvalidVatNumberError(
            field, "is not a VAT number of an EU member state (format or check digits)"
        )
    return checked


# -- countries, dates and rates -----------------------------------------------------------------


def _country(country: object, field: str) -> str:
    code = country.strip().upper() if isinstance(country, str) else ""
    if code not in iso_countries():
        raise UnknownCountryError(field, f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _member_state(country: object, field: str) -> str:
    code = _country(country, field)
    if code not in EU_COUNTRIES:
        raise UnknownCountryError(field, f"{code} is not a member state of the EU")
    return code


def supply_date(at: datetime, country: str) -> date:
    """The day a sale at the instant ``at`` is made in ``country``'s local time: the day whose
    rates apply, so that an order at 23:59 keeps the old rate and one at 00:00 gets the new."""
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError("supply_date needs a timezone-aware datetime")
    return at.astimezone(ZoneInfo(TIME_ZONES[_member_state(country, "country")])).date()


def _day(on: object) -> date:
    if isinstance(on, datetime) or not isinstance(on, date):
        raise ValueError("on must be a date: see supply_date()")
    if on < TABLE_START:
        raise TaxRateUnknownError("date", f"the rate table starts on {TABLE_START.isoformat()}")
    return on


def _category(category: object, field: str) -> str:
    if category not in _CATEGORIES:
        allowed = ", ".join(t.value for t in TaxCategory)
        raise UnknownTaxCategoryError(field, f"must be one of: {allowed}")
    return str(category)


@lru_cache(maxsize=4096)
def _rate(country: str, category: str, on: date) -> Decimal:
    kind = kind_for(country, category, on)
    if kind in _NO_VAT_KINDS:
        return ZERO
    # A kind the state does not have (no super-reduced rate in DE, say) takes its standard rate.
    rate = rate_of_kind(country, kind, on)
    if rate is None:
        rate = rate_of_kind(country, "standard", on)
    if rate is None:
        raise TaxRateUnknownError("date", f"no {kind} rate for {country} on {on.isoformat()}")
    return rate


def rate_for(country: str, category: str, on: date) -> Decimal:
    """The rate ``category`` takes in the member state ``country`` on the day ``on`` (``zero``
    and ``exempt``: 0)."""
    return _rate(_member_state(country, "country"), _category(category, "tax_category"), _day(on))


# -- the parties and the lines ------------------------------------------------------------------


@dataclass(frozen=True)
class Seller:
    """The store. ``cross_border_*`` are its EU-wide distance sales to consumers, in cents net
    of VAT: the current year's is the figure before Orion plus Orion's running figure, summed
    by the caller."""

    country: str
    vat_number: str | None
    oss_opt_in: bool
    cross_border_previous_year: int
    cross_border_current_year: int


@dataclass(frozen=True)
class Buyer:
    """``vat_number_verified`` is VIES's verdict when the store checks VIES (None: not asked)."""

    country: str
    vat_number: str | None = None
    vat_number_verified: bool | None = None


@dataclass(frozen=True)
class TaxLine:
    key: str
    tax_category: str
    unit_price: int
    quantity: int


# -- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxedLine:
    """A line as taxed. ``amount`` is what it charges (``unit_price * quantity``, gross when
    prices include VAT; less the seller's VAT in a 0% sale from such prices);
    ``unit_price_net`` is the unit price without VAT, rounded half up, for the invoice."""

    key: str
    tax_category: str
    quantity: int
    unit_price: int
    amount: int
    rate: Decimal
    unit_price_net: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "tax_category": self.tax_category,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": self.amount,
            "rate": rate_text(self.rate),
            "unit_price_net": self.unit_price_net,
        }


@dataclass(frozen=True)
class ShippingPart:
    rate: Decimal
    amount: int

    def as_dict(self) -> dict[str, Any]:
        return {"rate": rate_text(self.rate), "amount": self.amount}


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    taxable: int
    vat: int

    def as_dict(self) -> dict[str, Any]:
        return {"rate": rate_text(self.rate), "taxable": self.taxable, "vat": self.vat}


@dataclass(frozen=True)
class TaxResult:
    regime: Regime
    rates_version: str
    supply_date: date
    prices_include_vat: bool
    seller_country: str
    buyer_country: str
    seller_vat_number: str | None
    buyer_vat_number: str | None
    lines: tuple[TaxedLine, ...]
    shipping_parts: tuple[ShippingPart, ...]
    breakdown: tuple[RateTotal, ...]
    net: int
    vat: int
    gross: int
    mentions: tuple[Mention, ...]
    # VIES's answer on the buyer's number, when the store asked it (its request identifier is
    # the consultation number a tax office accepts as proof); None when VIES was not asked.
    vat_check: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values, as orders and invoices keep them in their events."""
        return {
            "regime": self.regime.value,
            "rates_version": self.rates_version,
            "supply_date": self.supply_date.isoformat(),
            "prices_include_vat": self.prices_include_vat,
            "seller_country": self.seller_country,
            "buyer_country": self.buyer_country,
            "seller_vat_number": self.seller_vat_number,
            "buyer_vat_number": self.buyer_vat_number,
            "lines": [line.as_dict() for line in self.lines],
            "shipping": [part.as_dict() for part in self.shipping_parts],
            "breakdown": [total.as_dict() for total in self.breakdown],
            "net": self.net,
            "vat": self.vat,
            "gross": self.gross,
            "mentions": [mention.value for mention in self.mentions],
            **({"vat_check": dict(self.vat_check)} if self.vat_check is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaxResult:
        return cls(
            regime=Regime(data["regime"]),
            rates_version=data["rates_version"],
            supply_date=date.fromisoformat(data["supply_date"]),
            prices_include_vat=data["prices_include_vat"],
            seller_country=data["seller_country"],
            buyer_country=data["buyer_country"],
            seller_vat_number=data["seller_vat_number"],
            buyer_vat_number=data["buyer_vat_number"],
            lines=tuple(
                TaxedLine(
                    key=line["key"],
                    tax_category=line["tax_category"],
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    amount=line["amount"],
                    rate=Decimal(line["rate"]),
                    unit_price_net=line["unit_price_net"],
                )
                for line in data["lines"]
            ),
            shipping_parts=tuple(
                ShippingPart(Decimal(part["rate"]), part["amount"]) for part in data["shipping"]
            ),
            breakdown=tuple(
                RateTotal(Decimal(total["rate"]), total["taxable"], total["vat"])
                for total in data["breakdown"]
            ),
            net=data["net"],
            vat=data["vat"],
            gross=data["gross"],
            mentions=tuple(Mention(mention) for mention in data["mentions"]),
            vat_check=data.get("vat_check"),
        )


# -- the engine ---------------------------------------------------------------------------------


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` (>= 0) shared in proportion to ``weights`` (>= 0, not all 0), in whole cents
    that add up to it: each share rounded down, then the cents left over to the largest
    remainders (the earliest on a tie)."""
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    left = total - sum(shares)
    if left:
        remainders = [total * weight % whole for weight in weights]
        for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
            shares[i] += 1
    return shares


def tax_sale(
    *,
    seller: Seller,
    buyer: Buyer,
    lines: Sequence[TaxLine],
    shipping: int,
    prices_include_vat: bool,
    on: date,
) -> TaxResult:
    """The VAT of a sale of ``lines`` and ``shipping`` (cents, VAT included or not as
    ``prices_include_vat`` says) made on the day ``on`` (see ``supply_date``)."""
    day = _day(on)
    seller_country = _country(seller.country, "seller.country")
    if seller_country not in EU_COUNTRIES:
        raise SellerOutsideEuError("seller.country", f"{seller_country} is not an EU member state")
    buyer_country = _country(buyer.country, "buyer.country")
    seller_number = (
        None
        if seller.vat_number in (None, "")
        else normalise_vat_number(str(seller.vat_number), "seller.vat_number")
    )
    previous = check_whole(
        seller.cross_border_previous_year, "seller.cross_border_previous_year", low=0
    )
    current = check_whole(
        seller.cross_border_current_year, "seller.cross_border_current_year", low=0
    )
    if not isinstance(prices_include_vat, bool):
        raise ValidationError("prices_include_vat", "must be true or false")
    checked = _checked_lines(lines)
    shipping = check_whole(shipping, "shipping", low=0, high=MAX_AMOUNT)
    buyer_number = _buyer_number(buyer)

    if checked and all(line.tax_category == TaxCategory.EXEMPT for line in checked):
        regime = Regime.EXEMPT
    elif buyer_country not in EU_COUNTRIES:
        regime = Regime.EXPORT
    elif buyer_country == seller_country:
        regime = Regime.DOMESTIC
    elif (
        seller_number is not None
        and buyer_number is not None
        and vat_number_country(buyer_number) != seller_country
    ):
        regime = Regime.INTRA_EU_B2B
    elif seller.oss_opt_in or previous > DISTANCE_SALES_THRESHOLD:
        regime = Regime.EU_B2C_DESTINATION
    else:
        regime = Regime.EU_B2C_ORIGIN

    sale = _Sale(checked, shipping, prices_include_vat, day, seller_country)
    rate_country = buyer_country if regime == Regime.EU_B2C_DESTINATION else seller_country
    taxed = sale.taxed(regime, rate_country)
    if regime == Regime.EU_B2C_ORIGIN and current + taxed.net > DISTANCE_SALES_THRESHOLD:
        # This sale takes the year past the threshold: it is the first one at destination.
        regime = Regime.EU_B2C_DESTINATION
        taxed = sale.taxed(regime, buyer_country)

    found = {_REGIME_MENTION[regime]} if regime in _REGIME_MENTION else set()
    if any(line.tax_category == TaxCategory.EXEMPT for line in checked):
        found.add(Mention.EXEMPT)
    return TaxResult(
        regime=regime,
        rates_version=RATES_VERSION,
        supply_date=day,
        prices_include_vat=prices_include_vat,
        seller_country=seller_country,
        buyer_country=buyer_country,
        seller_vat_number=seller_number,
        buyer_vat_number=buyer_number,
        lines=taxed.lines,
        shipping_parts=taxed.shipping,
        breakdown=taxed.breakdown,
        net=taxed.net,
        vat=taxed.vat,
        gross=taxed.net + taxed.vat,
        mentions=tuple(m for m in Mention if m in found),
    )


def _buyer_number(buyer: Buyer) -> str | None:
    """The buyer's number, normalised, when stdnum accepts it and VIES did not refuse it."""
    if buyer.vat_number in (None, "") or buyer.vat_number_verified is False:
        return None
    return _checked_number(buyer.vat_number) if isinstance(buyer.vat_number, str) else None


def _checked_lines(lines: Sequence[TaxLine]) -> list[TaxLine]:
    checked = []
    keys: set[str] = set()
    for i, line in enumerate(lines):
        field = f"lines[{i}]"
        if not isinstance(line.key, str) or not line.key or line.key in keys:
            raise ValidationError(f"{field}.key", "must be a key that no other line has")
        keys.add(line.key)
        checked.append(
            TaxLine(
                key=line.key,
                tax_category=_category(line.tax_category, f"{field}.tax_category"),
                unit_price=check_whole(
                    line.unit_price, f"{field}.unit_price", low=0, high=MAX_AMOUNT
                ),
                quantity=check_whole(line.quantity, f"{field}.quantity", low=1, high=MAX_QUANTITY),
            )
        )
    return checked


@dataclass(frozen=True)
class _Taxed:
    lines: tuple[TaxedLine, ...]
    shipping: tuple[ShippingPart, ...]
    breakdown: tuple[RateTotal, ...]
    net: int
    vat: int


@dataclass(frozen=True)
class _Sale:
    """A checked sale, taxed under a regime with a state's rates."""

    lines: list[TaxLine]
    shipping: int
    prices_include_vat: bool
    on: date
    seller_country: str

    def taxed(self, regime: Regime, rate_country: str) -> _Taxed:
        gross = [line.unit_price * line.quantity for line in self.lines]
        zero_rated = regime in _ZERO_RATED or regime == Regime.EXEMPT
        # The rates that group the lines (and share the shipping): the rates charged, or in a
        # 0% sale from VAT-inclusive prices, the seller's rates whose VAT comes off the price.
        strip = regime in _ZERO_RATED and self.prices_include_vat
        group_country = self.seller_country if zero_rated else rate_country
        group_rates = [
            ZERO
            if regime == Regime.EXEMPT or (zero_rated and not strip)
            else _rate(group_country, line.tax_category, self.on)
            for line in self.lines
        ]
        fallback = (
            ZERO
            if regime == Regime.EXEMPT or (zero_rated and not strip)
            else _rate(group_country, TaxCategory.STANDARD, self.on)
        )
        shipping_by_rate = _share_shipping(self.shipping, gross, group_rates, fallback)

        charged = list(gross)
        shipping_charged = dict(shipping_by_rate)
        if strip:
            for rate in sorted(set(group_rates) | set(shipping_by_rate)):
                members = [i for i, r in enumerate(group_rates) if r == rate]
                weights = [gross[i] for i in members] + [shipping_by_rate.get(rate, 0)]
                total_vat = vat_in_gross(sum(weights), rate)
                if total_vat:
                    cuts = allocate(total_vat, weights)
                    for i, cut in zip(members, cuts, strict=False):
                        charged[i] -= cut
                    shipping_charged[rate] = shipping_by_rate.get(rate, 0) - cuts[-1]

        if zero_rated:
            line_rates = [ZERO] * len(self.lines)
            total_shipping = sum(shipping_charged.values())
            shipping_parts = {ZERO: total_shipping} if total_shipping else {}
        else:
            line_rates = group_rates
            shipping_parts = {r: a for r, a in shipping_charged.items() if a}

        taxed_lines = tuple(
            TaxedLine(
                key=line.key,
                tax_category=line.tax_category,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=charged[i],
                rate=line_rates[i],
                unit_price_net=self._unit_net(line.unit_price, group_rates[i]),
            )
            for i, line in enumerate(self.lines)
        )
        totals: dict[Decimal, int] = {}
        for i, rate in enumerate(line_rates):
            totals[rate] = totals.get(rate, 0) + charged[i]
        for rate, amount in shipping_parts.items():
            totals[rate] = totals.get(rate, 0) + amount
        breakdown = []
        for rate in sorted(totals, reverse=True):
            amount = totals[rate]
            if self.prices_include_vat:
                vat = vat_in_gross(amount, rate)
                breakdown.append(RateTotal(rate, amount - vat, vat))
            else:
                breakdown.append(RateTotal(rate, amount, vat_on_net(amount, rate)))
        return _Taxed(
            lines=taxed_lines,
            shipping=tuple(
                ShippingPart(rate, shipping_parts[rate])
                for rate in sorted(shipping_parts, reverse=True)
            ),
            breakdown=tuple(breakdown),
            net=sum(total.taxable for total in breakdown),
            vat=sum(total.vat for total in breakdown),
        )

    def _unit_net(self, unit_price: int, rate_in_price: Decimal) -> int:
        if not self.prices_include_vat or not rate_in_price:
            return unit_price
        numerator, denominator = rate_in_price.as_integer_ratio()  # price * 100 / (100 + rate)
        return round_half_up(
            Fraction(unit_price * 100 * denominator, 100 * denominator + numerator)
        )


def _share_shipping(
    shipping: int, gross: list[int], rates: list[Decimal], fallback: Decimal
) -> dict[Decimal, int]:
    """Shipping shared across the lines' rates in proportion to their amounts; at ``fallback``
    (the standard rate) when there are no amounts to follow."""
    if not shipping:
        return {}
    by_rate: dict[Decimal, int] = {}
    for amount, rate in zip(gross, rates, strict=True):
        by_rate[rate] = by_rate.get(rate, 0) + amount
    if not sum(by_rate.values()):
        return {fallback: shipping}
    order = sorted(by_rate, reverse=True)
    shares = allocate(shipping, [by_rate[rate] for rate in order])
    return {rate: share for rate, share in zip(order, shares, strict=True) if share}
