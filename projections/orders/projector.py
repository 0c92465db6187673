"""Orders read models: the store's order desk ("orders") and its dashboard ("dashboard").

**Order numbers** are per store, gap-free and assigned here, in log order: the Nth
``Order.Placed`` of a store in the log is number N, shown as the store's code upper-cased and
six digits (``ACME-000042``). The log order is fixed, so a rebuild hands out the same numbers.

**E-mails** are opened from the order's sealed contact when the order is placed, and blanked
when the customer's ``Customer.Erased`` arrives (a rebuild after the erasure cannot open them
at all: the key is gone). Guests have no erasure event yet.

**Dashboard figures.** Every figure belongs to the UTC calendar day on which the order was
placed (the ``Order.Placed`` timestamp), also what happens to the order later: a day's
figures can still change when one of its orders is cancelled or refunded.

- *orders* of a day: the orders placed that day, whatever became of them; *cancelled*: those
  of them cancelled since.
- *gross*: the sum of their totals as placed.
- *revenue*: the sum of their **net values**. An order's net value is its total minus every
  refund recorded on it (``Refunded.amount``); a cancelled order's net value is 0.
- *average order value* over a range: revenue ÷ (orders - cancelled), rounded half up to a
  whole minor unit; 0 when there is no such order.
- *product sales* of a day, per SKU: net units (units ordered, minus units refunded, minus
  the units still counted when the order was cancelled) and their revenue (net units x the
  line's unit price; shipping and tax are not products').
- *orders by status*: the orders placed in the range, by their status now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table, update

from domain.identity.aggregates import Customer
from domain.orders.aggregates import Order
from domain.orders.values import CANCELLED
from domain.shared.money import format_minor
from domain.shared.personal import PersonalData
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store
from projections.base import EventEnvelope, Projection
from projections.identity.projector import NullPersonalData
from projections.orders.numbers import OrderNumbersProjection, number_text
from projections.orders.tables import define_dashboard_tables, define_order_tables
from projections.text import fold
from projections.writer import Writer

Handler = Callable[[Any, dict[str, Any], Writer], None]
ORDER_EVENTS = (
    Order.Placed,
    Order.PaymentRecorded,
    Order.ProcessingStarted,
    Order.Shipped,
    Order.Delivered,
    Order.Cancelled,
    Order.Refunded,
    Order.NoteAdded,
)
LATER_EVENTS = ORDER_EVENTS[1:]


def tax_breakdown(tax: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the order desk and the shopper see of the order's VAT: the regime and the figures
    per rate (the lines as taxed stay in the event)."""
    if tax is None:
        return None
    keys = ("regime", "prices_include_vat", "breakdown", "net", "vat", "gross", "mentions")
    return {key: tax[key] for key in keys}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _units(lines: list[dict[str, Any]]) -> str:
    return ", ".join(f"{line['quantity']} x {line['sku']}" for line in lines)


def day_of(e: Any) -> date:
    """The UTC calendar day of an event."""
    stamp: datetime = e.timestamp
    return (stamp.astimezone(UTC) if stamp.tzinfo else stamp).date()


class OrdersProjection(Projection):
    name = "orders"
    topics = topics_of(Store.Registered, *ORDER_EVENTS, Customer.Erased)

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self.handlers: dict[type, Handler] = {
            Order.PaymentRecorded: self._payment,
            Order.ProcessingStarted: self._processing,
            Order.Shipped: self._shipped,
            Order.Delivered: self._delivered,
            Order.Cancelled: self._cancelled,
            Order.Refunded: self._refunded,
            Order.NoteAdded: self._note,
        }

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_order_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        self.personal.prefetch(e.subject_id for e in events if isinstance(e, Order.Placed))
        w.prefetch("stores", {e.store_id for e in events if isinstance(e, Order.Placed)})
        w.prefetch(
            "orders",
            {e.originator_id for e in events if isinstance(e, LATER_EVENTS)},
            columns=["store_id", "paid_amount", "refunded_amount", "currency"],
        )
        w.prefetch(
            "order_lines",
            {
                (e.originator_id, line["sku"])
                for e in events
                if isinstance(e, Order.Shipped | Order.Refunded)
                for line in e.lines
            },
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Store.Registered):
            w.insert("stores", {"store_id": e.originator_id, "code": e.code, "last_number": 0})
            return
        if isinstance(e, Customer.Erased):
            w.scratch.setdefault("erased", set()).add(e.originator_id)
            return
        if isinstance(e, Order.Placed):
            self._placed(e, envelope.meta, w)
            return
        order = w.get("orders", e.originator_id)
        if order is None:
            raise LookupError(f"order {e.originator_id} has no Placed event before its others")
        self.handlers[type(e)](e, {**envelope.meta, "_order": order}, w)

    def finish(self, w: Writer) -> None:
        erased: set[UUID] = w.scratch.get("erased", set())
        if not erased:
            return
        # An erased customer's orders lose their e-mail: write the batch, then blank them in
        # one statement (the rows are found by subject, not by key).
        w.flush()
        orders = w.tables["orders"]
        ordered = sorted(erased)
        for i in range(0, len(ordered), 500):
            w.conn.execute(
                update(orders)
                .where(orders.c.subject_id.in_(ordered[i : i + 500]))
                .values(email=None, email_folded=None)
            )

    # -- events --------------------------------------------------------------------------------

    def _timeline(
        self,
        w: Writer,
        e: Any,
        meta: dict[str, Any],
        store_id: UUID,
        kind: str,
        summary: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        w.insert(
            "order_timeline",
            {
                "order_id": e.originator_id,
                "version": e.originator_version,
                "store_id": store_id,
                "type": kind,
                "summary": summary,
                "actor": meta.get("actor"),
                "details": details or {},
                "at": e.timestamp,
            },
        )

    def _placed(self, e: Order.Placed, meta: dict[str, Any], w: Writer) -> None:
        store = w.get("stores", e.store_id)
        if store is None:
            raise LookupError(f"order {e.originator_id}'s store {e.store_id} is unknown")
        number = int(store["last_number"]) + 1
        w.patch("stores", e.store_id, last_number=number)
        contact = self.personal.open(e.subject_id, e.sealed_contact) or {}
        email = contact.get("email") or None
        items = sum(int(line["quantity"]) for line in e.lines)
        totals = e.totals
        w.insert(
            "orders",
            {
                "order_id": e.originator_id,
                "store_id": e.store_id,
                "number": number,
                "number_text": number_text(store["code"], number),
                "customer_id": e.customer_id,
                "subject_id": e.subject_id,
                "email": email,
                "email_folded": fold(email) if email else None,
                "status": e.status,
                "payment_method": e.payment_method,
                "shipping_method": str(e.shipping_method.get("name", ""))[:100],
                "destination_country": e.destination_country,
                "currency": e.currency,
                "subtotal": int(totals["subtotal"]),
                "shipping": int(totals["shipping"]),
                "discount": int(totals["discount"]),
                "tax": int(totals["tax"]),
                "total": int(totals["total"]),
                "tax_breakdown": tax_breakdown(e.tax),
                "paid_amount": 0,
                "refunded_amount": 0,
                "item_count": items,
                "payment_due_at": e.payment_due_at,
                "placed_at": e.timestamp,
                "updated_at": e.timestamp,
                "version": e.originator_version,
            },
        )
        w.replace_children(
            "order_lines",
            "order_id",
            e.originator_id,
            [
                {
                    "order_id": e.originator_id,
                    "sku": line["sku"],
                    "store_id": e.store_id,
                    "position": i,
                    "product_id": line["product_id"],
                    "title": line["title"],
                    "attributes": dict(line.get("attributes") or {}),
                    "quantity": int(line["quantity"]),
                    "unit_price": int(line["unit_price"]),
                    "line_total": int(line["line_total"]),
                    "shipped_quantity": 0,
                    "refunded_quantity": 0,
                }
                for i, line in enumerate(e.lines)
            ],
            fresh=True,
        )
        self._timeline(
            w,
            e,
            meta,
            e.store_id,
            "placed",
            f"Placed: {_plural(items, 'item')}, {format_minor(int(totals['total']), e.currency)}, "
            f"payment by {e.payment_method.replace('_', ' ')}",
            {"status": e.status, "totals": dict(totals), "shipping_method": e.shipping_method},
        )

    @staticmethod
    def _add_to_line(w: Writer, order_id: UUID, line: dict[str, Any], column: str) -> None:
        """Adds a shipment's or a refund's units of a line to the line's ``column``."""
        key = (order_id, line["sku"])
        row = w.get("order_lines", key)
        if row is None:
            raise LookupError(f"order {order_id} has no line {line['sku']!r}")
        w.patch("order_lines", key, **{column: int(row[column]) + int(line["quantity"])})

    def _moved(self, e: Any, w: Writer, **values: Any) -> None:
        w.patch(
            "orders",
            e.originator_id,
            version=e.originator_version,
            updated_at=e.timestamp,
            **values,
        )

    def _payment(self, e: Order.PaymentRecorded, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w, status=e.status, paid_amount=int(order["paid_amount"]) + e.amount)
        reference = f" (reference {e.reference})" if e.reference else ""
        self._timeline(
            w,
            e,
            meta,
            order["store_id"],
            "payment_recorded",
            f"Payment of {format_minor(e.amount, order['currency'])} by {e.method}{reference}",
            {"amount": e.amount, "method": e.method, "reference": e.reference, "status": e.status},
        )

    def _processing(self, e: Order.ProcessingStarted, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w, status="processing")
        self._timeline(w, e, meta, order["store_id"], "processing_started", "Processing started")

    def _shipped(self, e: Order.Shipped, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w, status=e.status)
        for line in e.lines:
            self._add_to_line(w, e.originator_id, line, "shipped_quantity")
        tracking = f", tracking {e.tracking_number}" if e.tracking_number else ""
        self._timeline(
            w,
            e,
            meta,
            order["store_id"],
            "shipped",
            f"Shipped {_units(e.lines)} by {e.carrier}{tracking}",
            {
                "shipment_id": str(e.shipment_id),
                "carrier": e.carrier,
                "tracking_number": e.tracking_number,
                "lines": [{"sku": line["sku"], "quantity": line["quantity"]} for line in e.lines],
                "status": e.status,
            },
        )

    def _delivered(self, e: Order.Delivered, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w, status="delivered")
        self._timeline(w, e, meta, order["store_id"], "delivered", "Delivered")

    def _cancelled(self, e: Order.Cancelled, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(
            e,
            w,
            status=CANCELLED,
            refunded_amount=int(order["refunded_amount"]) + e.refund_amount,
        )
        refund = (
            f", {format_minor(e.refund_amount, order['currency'])} to refund"
            if e.refund_amount
            else ""
        )
        self._timeline(
            w,
            e,
            meta,
            order["store_id"],
            "cancelled",
            f"Cancelled: {e.reason}{refund}",
            {"reason": e.reason, "refund_amount": e.refund_amount},
        )

    def _refunded(self, e: Order.Refunded, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w, status=e.status, refunded_amount=int(order["refunded_amount"]) + e.amount)
        for line in e.lines:
            self._add_to_line(w, e.originator_id, line, "refunded_quantity")
        self._timeline(
            w,
            e,
            meta,
            order["store_id"],
            "refunded",
            f"Refunded {format_minor(e.amount, order['currency'])} for {_units(e.lines)}: "
            f"{e.reason}",
            {
                "refund_id": str(e.refund_id),
                "amount": e.amount,
                "reason": e.reason,
                "lines": [
                    {"sku": line["sku"], "quantity": line["quantity"], "restock": line["restock"]}
                    for line in e.lines
                ],
                "status": e.status,
            },
        )

    def _note(self, e: Order.NoteAdded, meta: dict[str, Any], w: Writer) -> None:
        order = meta["_order"]
        self._moved(e, w)
        self._timeline(
            w,
            e,
            meta,
            order["store_id"],
            "note_added",
            "Internal note added",
            {"note_id": str(e.note_id), "text": e.text, "author": e.author},
        )


class DashboardProjection(Projection):
    """Per-store, per-day facts; the definitions are in this module's docstring."""

    name = "dashboard"
    topics = topics_of(Store.Registered, *ORDER_EVENTS[:-1])  # notes change no figure

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_dashboard_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        w.prefetch("orders", {e.originator_id for e in events if isinstance(e, ORDER_EVENTS[1:-1])})
        placed = [e for e in events if isinstance(e, Order.Placed)]
        w.prefetch("days", {(e.store_id, day_of(e)) for e in placed})
        w.prefetch(
            "product_days",
            {(e.store_id, day_of(e), line["sku"]) for e in placed for line in e.lines},
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Store.Registered):
            w.insert("stores", {"store_id": e.originator_id, "currency": e.currency})
        elif isinstance(e, Order.Placed):
            self._placed(e, w)
        else:
            order = w.get("orders", e.originator_id)
            if order is None:
                raise LookupError(f"order {e.originator_id} has no Placed event before its others")
            if isinstance(e, Order.Cancelled):
                self._cancelled(order, w)
            elif isinstance(e, Order.Refunded):
                self._refunded(e, order, w)
            else:
                status = (
                    getattr(e, "status", None)
                    or {
                        Order.ProcessingStarted: "processing",
                        Order.Delivered: "delivered",
                    }[type(e)]
                )
                w.patch("orders", e.originator_id, status=status)

    def _day(self, w: Writer, store_id: UUID, day: date) -> dict[str, Any]:
        return w.get("days", (store_id, day)) or {
            "store_id": store_id,
            "day": day,
            "orders": 0,
            "cancelled": 0,
            "gross": 0,
            "revenue": 0,
        }

    def _take_units(
        self, w: Writer, order: dict[str, Any], sku: str, units: int, lines: dict[str, Any]
    ) -> None:
        """Takes ``units`` of a line off its day's product sales (and off the order's copy)."""
        line = lines.get(sku)
        if line is None or units <= 0:
            return
        units = min(units, int(line["quantity"]))
        key = (order["store_id"], order["day"], sku)
        row = w.get("product_days", key)
        if row is not None:
            w.put(
                "product_days",
                {
                    **row,
                    "quantity": int(row["quantity"]) - units,
                    "revenue": int(row["revenue"]) - units * int(line["unit_price"]),
                },
            )
        lines[sku] = {**line, "quantity": int(line["quantity"]) - units}

    def _placed(self, e: Order.Placed, w: Writer) -> None:
        day = day_of(e)
        total = int(e.totals["total"])
        row = self._day(w, e.store_id, day)
        w.put(
            "days",
            {
                **row,
                "orders": int(row["orders"]) + 1,
                "gross": int(row["gross"]) + total,
                "revenue": int(row["revenue"]) + total,
            },
        )
        lines: dict[str, Any] = {}
        for line in e.lines:
            sku, quantity = line["sku"], int(line["quantity"])
            key = (e.store_id, day, sku)
            sold = w.get("product_days", key) or {
                "store_id": e.store_id,
                "day": day,
                "sku": sku,
                "quantity": 0,
                "revenue": 0,
            }
            w.put(
                "product_days",
                {
                    **sold,
                    # The latest title and product id sold under the SKU that day.
                    "product_id": line["product_id"],
                    "title": line["title"],
                    "quantity": int(sold["quantity"]) + quantity,
                    "revenue": int(sold["revenue"]) + int(line["line_total"]),
                },
            )
            lines[sku] = {"quantity": quantity, "unit_price": int(line["unit_price"])}
        w.insert(
            "orders",
            {
                "order_id": e.originator_id,
                "store_id": e.store_id,
                "day": day,
                "status": e.status,
                "cancelled": False,
                "counted": total,
                "lines": lines,
            },
        )

    def _cancelled(self, order: dict[str, Any], w: Writer) -> None:
        row = self._day(w, order["store_id"], order["day"])
        w.put(
            "days",
            {
                **row,
                "cancelled": int(row["cancelled"]) + 1,
                "revenue": int(row["revenue"]) - int(order["counted"]),
            },
        )
        lines = dict(order["lines"])
        for sku, line in list(lines.items()):
            self._take_units(w, order, sku, int(line["quantity"]), lines)
        w.put(
            "orders",
            {**order, "status": CANCELLED, "cancelled": True, "counted": 0, "lines": lines},
        )

    def _refunded(self, e: Order.Refunded, order: dict[str, Any], w: Writer) -> None:
        taken = min(int(e.amount), int(order["counted"]))
        row = self._day(w, order["store_id"], order["day"])
        w.put("days", {**row, "revenue": int(row["revenue"]) - taken})
        lines = dict(order["lines"])
        for line in e.lines:
            self._take_units(w, order, line["sku"], int(line["quantity"]), lines)
        w.put(
            "orders",
            {**order, "status": e.status, "counted": int(order["counted"]) - taken, "lines": lines},
        )


def order_projections(personal: PersonalData | None) -> list[Projection]:
    """The orders read models; without a ``PersonalData``, e-mails read as erased."""
    port: PersonalData = personal if personal is not None else NullPersonalData()
    return [OrderNumbersProjection(), OrdersProjection(port), DashboardProjection()]
