"""Tax results for the invoices' tests, in the shape the tax engine keeps in events
(``TaxResult.as_dict()``), computed here by the one rounding rule: per rate, on the sum of what
the rate's lines and shipping charged."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.tax.rounding import rate_text, round_half_up, vat_in_gross, vat_on_net

# (key, tax_category, rate, quantity, unit_price)
Line = tuple[str, str, str, int, int]


def tax_result(
    lines: list[Line],
    shipping: list[tuple[str, int]] = (),  # type: ignore[assignment]
    *,
    prices_include_vat: bool = True,
    regime: str = "domestic",
    seller_country: str = "LU",
    buyer_country: str = "LU",
    seller_vat_number: str | None = "LU26375245",
    buyer_vat_number: str | None = None,
    mentions: list[str] | None = None,
    supply_date: str = "2026-12-02",
) -> dict[str, Any]:
    taxed_lines = []
    charged: dict[str, int] = {}
    for key, category, rate, quantity, unit_price in lines:
        amount = quantity * unit_price
        r = Fraction(Decimal(rate))
        net_unit = (
            round_half_up(Fraction(unit_price) * 100 / (100 + r))
            if prices_include_vat
            else unit_price
        )
        taxed_lines.append(
            {
                "key": key,
                "tax_category": category,
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": amount,
                "rate": rate_text(Decimal(rate)),
                "unit_price_net": net_unit,
            }
        )
        charged[rate_text(Decimal(rate))] = charged.get(rate_text(Decimal(rate)), 0) + amount
    taxed_shipping = [{"rate": rate_text(Decimal(r)), "amount": a} for r, a in shipping]
    for part in taxed_shipping:
        charged[part["rate"]] = charged.get(part["rate"], 0) + part["amount"]
    breakdown = []
    for rate, amount in charged.items():
        if prices_include_vat:
            vat = vat_in_gross(amount, Decimal(rate))
            breakdown.append({"rate": rate, "taxable": amount - vat, "vat": vat})
        else:
            breakdown.append(
                {"rate": rate, "taxable": amount, "vat": vat_on_net(amount, Decimal(rate))}
            )
    net = sum(b["taxable"] for b in breakdown)
    vat = sum(b["vat"] for b in breakdown)
    return {
        "regime": regime,
        "rates_version": "2026-01",
        "supply_date": supply_date,
        "prices_include_vat": prices_include_vat,
        "seller_country": seller_country,
        "buyer_country": buyer_country,
        "seller_vat_number": seller_vat_number,
        "buyer_vat_number": buyer_vat_number,
        "lines": taxed_lines,
        "shipping": taxed_shipping,
        "breakdown": breakdown,
        "net": net,
        "vat": vat,
        "gross": net + vat,
        "mentions": list(mentions or []),
    }


def order_lines(tax: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's lines as the application hands them to ``Invoice.issue``."""
    return [
        {
            "key": line["key"],
            "description": f"Item {line['key']}",
            "quantity": line["quantity"],
            "unit_price": line["unit_price"],
            "rate": line["rate"],
            "tax_category": line["tax_category"],
        }
        for line in tax["lines"]
    ]
