"""An order's totals, in minor units of the store's currency, and the port its VAT comes from:
the EU VAT engine with the store's tax settings (``application/tax``), or ``ZeroTax``, a sale
with no VAT at all, which tests and the checkout benchmark's baseline use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from domain.tax.policies import RateTotal, ShippingPart, TaxedLine, TaxLine, TaxResult
from domain.tax.values import Regime

NO_RATES = "none"  # the rate table a sale without VAT was taxed with


class TaxPolicy(Protocol):
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
    ) -> TaxResult: ...


class ZeroTax:
    """No VAT: every line and the shipping at 0%, prices taken as net."""

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
        zero = Decimal(0)
        taxed = tuple(
            TaxedLine(
                key=line.key,
                tax_category=line.tax_category,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.unit_price * line.quantity,
                rate=zero,
                unit_price_net=line.unit_price,
            )
            for line in lines
        )
        net = sum(line.amount for line in taxed) + shipping
        return TaxResult(
            regime=Regime.DOMESTIC if buyer_country == store_country else Regime.EXPORT,
            rates_version=NO_RATES,
            supply_date=at.date(),
            prices_include_vat=False,
            seller_country=store_country,
            buyer_country=buyer_country,
            seller_vat_number=None,
            buyer_vat_number=None,
            lines=taxed,
            shipping_parts=(ShippingPart(zero, shipping),) if shipping else (),
            breakdown=(RateTotal(zero, net, 0),),
            net=net,
            vat=0,
            gross=net,
            mentions=(),
        )


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


def tax_lines(lines: list[dict[str, Any]]) -> list[TaxLine]:
    """The order's lines as the VAT engine takes them (each with its product's tax category)."""
    return [
        TaxLine(
            key=str(line["sku"]),
            tax_category=str(line["tax_category"]),
            unit_price=int(line["unit_price"]),
            quantity=int(line["quantity"]),
        )
        for line in lines
    ]


def compute_totals(lines: list[dict[str, Any]], *, shipping: int, tax: TaxResult) -> Totals:
    """Lines (with ``line_total``), shipping, discounts (none yet) and VAT. What the buyer pays
    is what the VAT engine says (``gross``): the lines and shipping plus VAT when prices are
    net, the same amount when they include it, less the seller's VAT in a 0% sale from such
    prices."""
    subtotal = sum(int(line["line_total"]) for line in lines)
    return Totals(subtotal=subtotal, shipping=shipping, discount=0, tax=tax.vat, total=tax.gross)
