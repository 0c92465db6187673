"""The read-model lookups that jobs and mails are given (ports of ``application``), answered
from the in-memory log itself: what the real read models hold once they have caught up.
``unnumbered`` plays a numbers read model that has not reached an order yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from application.inventory.jobs import ExpiredHolds
from application.invoices.jobs import CustomerInvoices
from application.orders.jobs import PendingOrders
from application.orders.mails import OrderNumbers
from application.platform import OrionApplication
from application.tax.app import CrossBorderSales
from domain.inventory.aggregates import StockItem
from domain.invoices.aggregates import Invoice
from domain.orders.aggregates import Order
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store
from projections.orders.numbers import number_text
from projections.tax.projector import counted

PENDING_PAYMENT = "pending_payment"


class LogReads:
    def __init__(self, app: OrionApplication) -> None:
        self.app = app
        self.unnumbered: set[UUID] = set()
        self.asked: list[tuple[str, Any]] = []

    def _created(self, event: type[Any]) -> Iterator[UUID]:
        """The ids of the aggregates whose ``event`` stands in the log, in log order."""
        seen: set[UUID] = set()
        for notification in self.app.recorder.select_notifications(
            start=1, limit=1_000_000, topics=topics_of(event)
        ):
            originator = notification.originator_id
            assert isinstance(originator, UUID)
            if originator not in seen:
                seen.add(originator)
                yield originator

    def expired_holds(self, now: datetime) -> list[tuple[UUID, UUID, str]]:
        self.asked.append(("expired_holds", now))
        found = []
        for item_id in self._created(StockItem.Created):
            item: StockItem = self.app.repository.get(item_id)
            if item.expired_holds(now):
                found.append((item.store_id, item.location_id, item.sku))
        return found

    def pending_orders(self, now: datetime) -> list[tuple[UUID, UUID]]:
        self.asked.append(("pending_orders", now))
        found = []
        for order_id in self._created(Order.Placed):
            order: Order = self.app.repository.get(order_id)
            due = order.payment_due_at
            if order.status == PENDING_PAYMENT and due is not None and due <= now:
                found.append((order.store_id, order.id))
        return found

    def cross_border_sales(self, store_id: UUID, year: int) -> tuple[int, int]:
        """The tax read model's figures: the store's orders taxed as EU distance sales to
        consumers in the year before ``year`` and in ``year``, net of VAT, less the cancelled
        ones'."""
        self.asked.append(("cross_border_sales", (store_id, year)))
        totals = {year - 1: 0, year: 0}
        for order_id in self._created(Order.Placed):
            order: Order = self.app.repository.get(order_id)
            found = counted(order.tax)
            if order.store_id == store_id and found and found[0] in totals:
                totals[found[0]] += 0 if order.status == "cancelled" else found[1]
        return totals[year - 1], totals[year]

    def order_number(self, store_id: UUID, order_id: UUID) -> str | None:
        self.asked.append(("order_number", order_id))
        if order_id in self.unnumbered:
            return None
        number = 0
        for placed_id in self._created(Order.Placed):
            order: Order = self.app.repository.get(placed_id)
            if order.store_id == store_id:
                number += 1
                if placed_id == order_id:
                    store: Store = self.app.repository.get(store_id)
                    return number_text(store.code, number)
        return None

    def customer_invoices(self, store_id: UUID, customer_id: UUID) -> list[UUID]:
        self.asked.append(("customer_invoices", customer_id))
        found = []
        for invoice_id in self._created(Invoice.Issued):
            invoice: Invoice = self.app.repository.get(invoice_id)
            if invoice.store_id == store_id and invoice.customer_id == customer_id:
                found.append(invoice_id)
        return found


def _checks(reads: LogReads) -> None:
    """For mypy: each lookup has its port's shape."""
    cross_border: CrossBorderSales = reads.cross_border_sales
    del cross_border
    holds: ExpiredHolds = reads.expired_holds
    pending: PendingOrders = reads.pending_orders
    numbers: OrderNumbers = reads.order_number
    invoices: CustomerInvoices = reads.customer_invoices
    del holds, pending, numbers, invoices
