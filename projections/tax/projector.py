"""The store's EU distance sales to consumers, per calendar year, from the orders: what the
EUR 10,000 threshold of Art. 59c of Directive 2006/112/EC is judged on (``application/tax``).

An order counts when it was taxed (``Order.Placed`` v2's ``tax``) as ``eu_b2c_origin`` or
``eu_b2c_destination``: its ``net`` (cents, net of VAT, shipping included), in the calendar year
of its supply date. A cancelled order never became a supply: its net comes off again. A refund
does not: the goods were supplied, and what a refund corrects is the credit note's to say
(the invoices' VAT reports count credit notes); the figure errs towards the threshold, towards
taxing at destination. Orders placed before the VAT engine (``tax`` None) never count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import MetaData, Table

from domain.orders.aggregates import Order
from domain.shared.topics import topics_of
from domain.tax.values import Regime
from projections.base import EventEnvelope, Projection
from projections.tax.tables import define_tables
from projections.writer import Writer

NAME = "tax_cross_border"
DISTANCE_SALES = frozenset({Regime.EU_B2C_ORIGIN.value, Regime.EU_B2C_DESTINATION.value})


def counted(tax: dict[str, Any] | None) -> tuple[int, int] | None:
    """(year, net) of an order's tax result when it is a distance sale to a consumer."""
    if not tax or tax.get("regime") not in DISTANCE_SALES:
        return None
    return int(str(tax["supply_date"])[:4]), int(tax["net"])


class CrossBorderSalesProjection(Projection):
    name = NAME
    topics = topics_of(Order.Placed, Order.Cancelled)

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        cancelled = {e.originator_id for e in events if isinstance(e, Order.Cancelled)}
        w.prefetch("orders", cancelled)
        years = set()
        for e in events:
            if isinstance(e, Order.Placed):
                found = counted(e.tax)
                if found is not None:
                    years.add((e.store_id, found[0]))
        for order_id in cancelled:
            row = w.get("orders", order_id)
            if row is not None:
                years.add((row["store_id"], row["year"]))
        w.prefetch("years", years)

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Order.Placed):
            found = counted(e.tax)
            if found is None:
                return
            year, net = found
            w.insert(
                "orders",
                {
                    "order_id": e.originator_id,
                    "store_id": e.store_id,
                    "year": year,
                    "net": net,
                    "cancelled": False,
                },
            )
            self._add(w, e.store_id, year, net, 1)
        elif isinstance(e, Order.Cancelled):
            row = w.get("orders", e.originator_id)
            if row is None or row["cancelled"]:
                return  # not a distance sale to a consumer
            w.patch("orders", e.originator_id, cancelled=True)
            self._add(w, row["store_id"], row["year"], -int(row["net"]), -1)

    def _add(self, w: Writer, store_id: Any, year: int, net: int, orders: int) -> None:
        row = w.get("years", (store_id, year))
        if row is None:
            w.insert("years", {"store_id": store_id, "year": year, "net": net, "orders": orders})
        else:
            w.patch(
                "years",
                (store_id, year),
                net=int(row["net"]) + net,
                orders=int(row["orders"]) + orders,
            )
