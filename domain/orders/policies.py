"""An order's totals, in minor units of the store's currency. Tax comes from a policy (the
invoicing issue brings the EU VAT engine); until then, ``ZeroTax``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class TaxPolicy(Protocol):
    def tax_for(
        self,
        *,
        lines: list[dict[str, Any]],
        shipping: int,
        store_country: str,
        destination_country: str,
        business_vat_number: str | None,
    ) -> int: ...


class ZeroTax:
    """No tax: the policy until the VAT engine lands."""

    def tax_for(
        self,
        *,
        lines: list[dict[str, Any]],
        shipping: int,
        store_country: str,
        destination_country: str,
        business_vat_number: str | None,
    ) -> int:
        return 0


@dataclass(frozen=True)
class Totals:
    subtotal: int
    shipping: int
    discount: int
    tax: int
    total: int

    def as_dict(self) -> dict[str, int]:
        return {
            "subtotal": self.subtotal,
            "shipping": self.shipping,
            "discount": self.discount,
            "tax": self.tax,
            "total": self.total,
        }


def priced_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**line, "line_total": int(line["unit_price"]) * int(line["quantity"])} for line in lines
    ]


def compute_totals(
    lines: list[dict[str, Any]],
    *,
    shipping: int,
    discount: int = 0,
    tax: TaxPolicy,
    store_country: str,
    destination_country: str,
    business_vat_number: str | None = None,
) -> Totals:
    """Lines (with ``line_total``), shipping, discounts (none yet) and tax; never negative."""
    subtotal = sum(int(line["line_total"]) for line in lines)
    discount = min(discount, subtotal)
    taxed = tax.tax_for(
        lines=lines,
        shipping=shipping,
        store_country=store_country,
        destination_country=destination_country,
        business_vat_number=business_vat_number,
    )
    return Totals(
        subtotal=subtotal,
        shipping=shipping,
        discount=discount,
        tax=taxed,
        total=subtotal - discount + shipping + taxed,
    )
