"""A tax policy at one flat rate (in basis points) of the lines and shipping, recording what it
was asked: checkout must hand it the order's countries and the buyer's VAT number."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.orders.policies import TaxPolicy


@dataclass
class FlatTax:
    basis_points: int = 0
    asked: list[dict[str, Any]] = field(default_factory=list)

    def tax_for(
        self,
        *,
        lines: list[dict[str, Any]],
        shipping: int,
        store_country: str,
        destination_country: str,
        business_vat_number: str | None,
    ) -> int:
        self.asked.append(
            {
                "skus": [line["sku"] for line in lines],
                "shipping": shipping,
                "store_country": store_country,
                "destination_country": destination_country,
                "business_vat_number": business_vat_number,
            }
        )
        base = sum(int(line["line_total"]) for line in lines) + shipping
        return base * self.basis_points // 10_000


_check: TaxPolicy = FlatTax()
