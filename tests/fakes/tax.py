"""A tax policy at one flat rate over net prices, recording what it was asked: checkout must
hand it the order's lines with their categories, the countries and the buyer's VAT number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.orders.policies import TaxPolicy
from domain.tax.policies import RateTotal, ShippingPart, TaxedLine, TaxLine, TaxResult
from domain.tax.rounding import vat_on_net
from domain.tax.values import Regime


@dataclass
class FlatTax:
    rate: Decimal = Decimal(0)
    asked: list[dict[str, Any]] = field(default_factory=list)

    def tax_checkout(
        self,
        *,
        store_id: UUID,
        store_country: str,
        lines: Sequence[TaxLine],
        shipping: int,
        buyer_country: str,
        buyer_vat_number: str | None,
        at: datetime,
    ) -> TaxResult:
        self.asked.append(
            {
                "lines": [(line.key, line.tax_category, line.quantity) for line in lines],
                "shipping": shipping,
                "store_country": store_country,
                "buyer_country": buyer_country,
                "buyer_vat_number": buyer_vat_number,
            }
        )
        taxed = tuple(
            TaxedLine(
                line.key,
                line.tax_category,
                line.quantity,
                line.unit_price,
                line.unit_price * line.quantity,
                self.rate,
                line.unit_price,
            )
            for line in lines
        )
        net = sum(line.amount for line in taxed) + shipping
        vat = vat_on_net(net, self.rate)
        return TaxResult(
            regime=Regime.DOMESTIC,
            rates_version="flat",
            supply_date=at.date(),
            prices_include_vat=False,
            seller_country=store_country,
            buyer_country=buyer_country,
            seller_vat_number=None,
            buyer_vat_number=buyer_vat_number,
            lines=taxed,
            shipping_parts=(ShippingPart(self.rate, shipping),),
            breakdown=(RateTotal(self.rate, net, vat),),
            net=net,
            vat=vat,
            gross=net + vat,
            mentions=(),
        )


_check: TaxPolicy = FlatTax()
