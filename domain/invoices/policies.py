"""The arithmetic of invoices and credit notes, over the tax engine's result as events keep it
(``TaxResult.as_dict()``: amounts in integer cents, rates as decimal strings).

An invoice is what the engine computed: per rate, the amounts charged (lines and shipping; gross
when prices include VAT), the taxable amount and the VAT, rounded half up once per rate (EN 16931
BR-CO-17). ``check_tax`` refuses a result whose figures do not follow that rule, because the
credit arithmetic below depends on it.

A credit note takes lines (by quantity) and the shipping back, at the invoice's rates. Its VAT is
rounded once per rate on the running total of what has been credited at that rate, and each
credit note carries the difference from the credits before it:

    credited VAT after this credit = vat(all that is credited at the rate so far)
    this credit's VAT              = that - the VAT the earlier credits carried

Rounding each credit note on its own amount alone could overshoot: ten 4-cent lines at 17% hold
6 cents of VAT, but each line alone rounds to 1 cent, so nine credits of one line would take 9
and leave the last one a VAT of the wrong sign. On the running total, every credit note is
within a cent of its own rounding, never takes more than the invoice holds, and the credit that
takes everything left lands on the invoice's own figures, so that all credits together are
exactly the invoice's negation, per rate, whatever the partial credits before it. A line's
amount is shared out the same way (on the running quantity), so its last unit takes what is
left of it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from domain.invoices.values import MAX_DESCRIPTION, MAX_LINES, MENTIONS, REGIMES
from domain.shared.checks import check_line, check_whole
from domain.shared.errors import ValidationError
from domain.shared.money import MAX_AMOUNT
from domain.stores.values import check_country
from domain.tax.policies import allocate
from domain.tax.rounding import rate_text, round_half_up, vat_in_gross, vat_on_net

# -- the tax engine's result --------------------------------------------------------------------


def _cents(value: object, field: str) -> int:
    return check_whole(value, field, low=0, high=MAX_AMOUNT)


def _rate(value: object, field: str) -> str:
    """A rate as the documents write it (``"17"``, ``"5.5"``), from its decimal string."""
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a rate") from None
    if not isinstance(value, str) or not rate.is_finite() or not 0 <= rate < 100:
        raise ValidationError(field, f"{value!r} is not a rate (a decimal string, 0 to 100)")
    return rate_text(rate)


def _vat(charged: int, rate: str, *, prices_include_vat: bool) -> tuple[int, int]:
    """(taxable, VAT) of what was charged at one rate, by the one rounding rule."""
    if prices_include_vat:
        vat = vat_in_gross(charged, Decimal(rate))
        return charged - vat, vat
    return charged, vat_on_net(charged, Decimal(rate))


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    return check_line(value, field, limit=50)


def check_tax(tax: object) -> dict[str, Any]:
    """The tax engine's result, checked for the shape and the sums documents rely on, as a
    plain copy: per rate, the taxable amount and VAT are what the rounding rule gives on the
    amounts charged at that rate; the breakdown adds up to ``net`` and ``vat``; and ``gross =
    net + vat``."""
    if not isinstance(tax, dict):
        raise ValidationError("tax", "must be the tax engine's result")
    regime = tax.get("regime")
    if regime not in REGIMES:
        raise ValidationError("tax.regime", f"must be one of {', '.join(REGIMES)}")
    include = tax.get("prices_include_vat")
    if not isinstance(include, bool):
        raise ValidationError("tax.prices_include_vat", "must be true or false")
    try:
        supply_date = date.fromisoformat(str(tax.get("supply_date"))).isoformat()
    except ValueError:
        raise ValidationError("tax.supply_date", "must be a date (YYYY-MM-DD)") from None
    countries = {}
    for side in ("seller_country", "buyer_country"):
        try:
            countries[side] = check_country(str(tax.get(side) or ""))
        except ValidationError as error:
            raise ValidationError(f"tax.{side}", error.detail) from None
    mentions = tax.get("mentions")
    if not isinstance(mentions, list) or not set(mentions) <= set(MENTIONS):
        raise ValidationError("tax.mentions", f"must be a list of {', '.join(MENTIONS)}")

    lines = _checked_lines(tax.get("lines"))
    shipping = _checked_shipping(tax.get("shipping"))
    breakdown = _checked_breakdown(tax.get("breakdown"), lines, shipping, include)
    net, vat, gross = (_cents(tax.get(k), f"tax.{k}") for k in ("net", "vat", "gross"))
    if net != sum(b["taxable"] for b in breakdown) or vat != sum(b["vat"] for b in breakdown):
        raise ValidationError("tax", "net and vat must be the sums of the breakdown")
    if gross != net + vat:
        raise ValidationError("tax.gross", "must be net + vat")
    rates_version = tax.get("rates_version")
    if not isinstance(rates_version, str) or not rates_version:
        raise ValidationError("tax.rates_version", "must name the rate table used")
    return {
        "regime": regime,
        "rates_version": rates_version,
        "supply_date": supply_date,
        "prices_include_vat": include,
        **countries,
        "seller_vat_number": _optional_text(tax.get("seller_vat_number"), "tax.seller_vat_number"),
        "buyer_vat_number": _optional_text(tax.get("buyer_vat_number"), "tax.buyer_vat_number"),
        "lines": lines,
        "shipping": shipping,
        "breakdown": breakdown,
        "net": net,
        "vat": vat,
        "gross": gross,
        "mentions": list(mentions),
    }


def _part(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, "must be an object")
    return value


def _checked_shipping(shipping: object) -> list[dict[str, Any]]:
    if shipping is None:
        return []
    if not isinstance(shipping, list):
        raise ValidationError("tax.shipping", "must be a list of {rate, amount}")
    checked: list[dict[str, Any]] = []
    for i, value in enumerate(shipping):
        part = _part(value, f"tax.shipping[{i}]")
        rate = _rate(part.get("rate"), f"tax.shipping[{i}].rate")
        if any(s["rate"] == rate for s in checked):
            raise ValidationError(f"tax.shipping[{i}].rate", f"rate {rate} appears twice")
        checked.append(
            {"rate": rate, "amount": _cents(part.get("amount"), f"tax.shipping[{i}].amount")}
        )
    return checked


def _checked_lines(lines: object) -> list[dict[str, Any]]:
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError("tax.lines", f"must list 1 to {MAX_LINES} lines")
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, value in enumerate(lines):
        f = f"tax.lines[{i}]"
        line = _part(value, f)
        key = line.get("key")
        if not isinstance(key, str) or not key or key in seen:
            raise ValidationError(f"{f}.key", "must be a key that no other line has")
        seen.add(key)
        quantity = check_whole(line.get("quantity"), f"{f}.quantity", low=1)
        category = line.get("tax_category")
        if not isinstance(category, str) or not category:
            raise ValidationError(f"{f}.tax_category", "must name the line's tax category")
        checked.append(
            {
                "key": key,
                "tax_category": category,
                "quantity": quantity,
                "unit_price": _cents(line.get("unit_price"), f"{f}.unit_price"),
                "amount": _cents(line.get("amount"), f"{f}.amount"),
                "rate": _rate(line.get("rate"), f"{f}.rate"),
                "unit_price_net": _cents(line.get("unit_price_net"), f"{f}.unit_price_net"),
            }
        )
    return checked


def _checked_breakdown(
    breakdown: object,
    lines: list[dict[str, Any]],
    shipping: list[dict[str, Any]],
    prices_include_vat: bool,
) -> list[dict[str, Any]]:
    if not isinstance(breakdown, list):
        raise ValidationError("tax.breakdown", "must be a list of {rate, taxable, vat}")
    charged = _charged_by_rate(lines, shipping)
    checked: list[dict[str, Any]] = []
    for i, value in enumerate(breakdown):
        f = f"tax.breakdown[{i}]"
        part = _part(value, f)
        rate = _rate(part.get("rate"), f"{f}.rate")
        if any(b["rate"] == rate for b in checked):
            raise ValidationError(f"{f}.rate", f"rate {rate} appears twice")
        entry = {
            "rate": rate,
            "taxable": _cents(part.get("taxable"), f"{f}.taxable"),
            "vat": _cents(part.get("vat"), f"{f}.vat"),
        }
        expected = _vat(charged.get(rate, 0), rate, prices_include_vat=prices_include_vat)
        if (entry["taxable"], entry["vat"]) != expected:
            raise ValidationError(
                f"{f}",
                f"at {rate}% the lines and shipping charged {charged.get(rate, 0)}: the taxable "
                f"amount and VAT must be {expected[0]} and {expected[1]} (VAT rounded once per "
                "rate)",
            )
        checked.append(entry)
    missing = set(charged) - {b["rate"] for b in checked}
    if missing:
        raise ValidationError("tax.breakdown", f"has no entry for rate {sorted(missing)[0]}")
    return checked


def _charged_by_rate(
    lines: Iterable[dict[str, Any]], shipping: Iterable[dict[str, Any]]
) -> dict[str, int]:
    charged: dict[str, int] = {}
    for part in [*lines, *shipping]:
        charged[part["rate"]] = charged.get(part["rate"], 0) + int(part["amount"])
    return charged


# -- an invoice's lines -------------------------------------------------------------------------


def document_lines(lines: object, tax: dict[str, Any]) -> list[dict[str, Any]]:
    """The invoice's lines: the order's lines (``{key, description, ...}``) joined to the tax
    engine's, one for one, in the engine's order. A line the order states differently from the
    engine (quantity, unit price, rate, category) is refused: the document must be one story."""
    if not isinstance(lines, list):
        raise ValidationError("lines", "must list the order's lines")
    given: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not isinstance(line.get("key"), str):
            raise ValidationError(f"lines[{i}]", "must be {key, description, ...}")
        if line["key"] in given:
            raise ValidationError(f"lines[{i}].key", "appears twice")
        given[line["key"]] = {**line, "_at": i}
    taxed = {line["key"] for line in tax["lines"]}
    if set(given) != taxed:
        odd = sorted(set(given) ^ taxed)[0]
        raise ValidationError("lines", f"the order's lines and the tax lines differ at {odd!r}")
    joined = []
    for taxed_line in tax["lines"]:
        line = given[taxed_line["key"]]
        f = f"lines[{line['_at']}]"
        for name in ("quantity", "unit_price", "tax_category"):
            if name in line and line[name] != taxed_line[name]:
                raise ValidationError(f"{f}.{name}", "differs from what the tax engine was given")
        if "rate" in line and _rate(line["rate"], f"{f}.rate") != taxed_line["rate"]:
            raise ValidationError(f"{f}.rate", "differs from what the tax engine applied")
        description = check_line(line.get("description"), f"{f}.description", limit=MAX_DESCRIPTION)
        joined.append(
            {"key": taxed_line["key"], "description": description, **_without_key(taxed_line)}
        )
    return joined


def _without_key(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "key"}


# -- credits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditedSoFar:
    """What earlier credit notes took from an invoice (positive amounts, as charged)."""

    quantities: dict[str, int] = field(default_factory=dict)  # key -> units
    amounts: dict[str, int] = field(default_factory=dict)  # key -> amount
    shipping: bool = False
    by_rate: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # rate -> {charged, taxable, vat}

    def left(self, line: dict[str, Any]) -> int:
        """Units of an invoice line not credited yet."""
        return int(line["quantity"]) - self.quantities.get(line["key"], 0)


@dataclass(frozen=True)
class CreditFigures:
    """One credit note's figures, as positive amounts taken back from the invoice."""

    lines: list[dict[str, Any]]  # [{key, quantity, amount}]
    shipping: list[dict[str, Any]]  # [{rate, amount}]
    breakdown: list[dict[str, Any]]  # [{rate, charged, taxable, vat}]
    final: bool  # nothing is left to credit after this one

    @property
    def net(self) -> int:
        return sum(int(b["taxable"]) for b in self.breakdown)

    @property
    def vat(self) -> int:
        return sum(int(b["vat"]) for b in self.breakdown)


def credit_figures(
    tax: dict[str, Any],
    *,
    quantities: dict[str, int],
    shipping: bool,
    so_far: CreditedSoFar,
) -> CreditFigures:
    """The figures of a credit of ``quantities`` (by line key; each within what is left) and,
    when ``shipping``, the invoice's shipping (not credited before). See the module's note."""
    by_key = {line["key"]: line for line in tax["lines"]}
    lines = []
    for line in tax["lines"]:  # the invoice's order, whatever order the credit named them in
        quantity = quantities.get(line["key"], 0)
        if not quantity:
            continue
        before = so_far.quantities.get(line["key"], 0)
        if not 0 < quantity <= line["quantity"] - before:
            raise ValueError(f"{line['key']}: {quantity} is not within what is left")
        # The amount charged for the units credited so far, shared out on the running quantity.
        after = round_half_up(Fraction(line["amount"] * (before + quantity), line["quantity"]))
        amount = after - so_far.amounts.get(line["key"], 0)
        lines.append({"key": line["key"], "quantity": quantity, "amount": amount})
    taken_shipping = [dict(part) for part in tax["shipping"]] if shipping else []
    rated = [{**line, "rate": by_key[line["key"]]["rate"]} for line in lines]
    charged = _charged_by_rate(rated, taken_shipping)
    include = bool(tax["prices_include_vat"])
    breakdown = []
    for entry in tax["breakdown"]:
        rate = entry["rate"]
        if rate not in charged:
            continue
        before_rate = so_far.by_rate.get(rate, {})
        running = before_rate.get("charged", 0) + charged[rate]
        taxable, vat = _vat(running, rate, prices_include_vat=include)
        breakdown.append(
            {
                "rate": rate,
                "charged": charged[rate],
                "taxable": taxable - before_rate.get("taxable", 0),
                "vat": vat - before_rate.get("vat", 0),
            }
        )
    final = (so_far.shipping or shipping or not tax["shipping"]) and all(
        so_far.left(line) == quantities.get(line["key"], 0) for line in tax["lines"]
    )
    return CreditFigures(lines=lines, shipping=taken_shipping, breakdown=breakdown, final=final)


def credit_note_tax(tax: dict[str, Any], figures: CreditFigures) -> dict[str, Any]:
    """A credit note's tax result: the invoice's (regime, rates, countries, VAT numbers,
    mentions), with what it takes back as negative amounts. Quantities and unit prices stay
    positive: the amounts say it is a credit."""
    by_key = {line["key"]: line for line in tax["lines"]}
    breakdown = [
        {"rate": b["rate"], "taxable": -b["taxable"], "vat": -b["vat"]} for b in figures.breakdown
    ]
    net = sum(b["taxable"] for b in breakdown)
    vat = sum(b["vat"] for b in breakdown)
    amounts: dict[str, Any] = {
        "lines": [
            {**by_key[line["key"]], "quantity": line["quantity"], "amount": -line["amount"]}
            for line in figures.lines
        ],
        "shipping": [{"rate": s["rate"], "amount": -s["amount"]} for s in figures.shipping],
        "breakdown": breakdown,
        "net": net,
        "vat": vat,
        "gross": net + vat,
    }
    # The invoice's keys in the invoice's order: the same shape, read the same way.
    return {key: amounts.get(key, copy.deepcopy(value)) for key, value in tax.items()}


def net_amounts(tax: Mapping[str, Any]) -> dict[tuple[str, str], int]:
    """Each line's and shipping part's amount without VAT, keyed ``("line", key)`` and
    ``("shipping", rate)``: the taxable amount of each rate shared out over what was charged at
    that rate, in proportion to it, so that a rate's parts add up to its taxable amount."""
    parts = [
        (("line", str(line["key"])), int(line["amount"]), line["rate"]) for line in tax["lines"]
    ]
    parts += [(("shipping", str(p["rate"])), int(p["amount"]), p["rate"]) for p in tax["shipping"]]
    nets: dict[tuple[str, str], int] = {}
    for entry in tax["breakdown"]:
        taxable = int(entry["taxable"])
        at_rate = [(key, abs(amount)) for key, amount, rate in parts if rate == entry["rate"]]
        if not at_rate:
            continue
        weights = [weight for _, weight in at_rate]
        if sum(weights):
            shares = allocate(abs(taxable), weights)
        else:  # nothing charged at the rate: its taxable amount (0) on its first part
            shares = [abs(taxable)] + [0] * (len(at_rate) - 1)
        sign = -1 if taxable < 0 else 1
        for (key, _), share in zip(at_rate, shares, strict=True):
            nets[key] = sign * share
    return nets
