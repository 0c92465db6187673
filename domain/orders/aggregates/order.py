"""Orders: placed at checkout with their stock reserved, then paid, shipped (in one or several
shipments), delivered, cancelled, returned or refunded. Every transition is checked here; an
invalid one is a conflict that names the current status."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.orders.errors import OrderStateError
from domain.orders.values import (
    CANCELLED,
    DELIVERED,
    MAX_NOTE,
    MAX_REF,
    PAID,
    PARTIALLY_SHIPPED,
    PAYMENT_METHODS,
    PENDING_PAYMENT,
    PROCESSING,
    REFUNDED,
    RETURNED,
    SHIPPED,
    TRANSITIONS,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_line, check_text, check_whole
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.topics import stable_topics


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    """Free text (a note, a reason), or None when left out and not ``required``."""
    return check_text(value or "", field, limit=limit, required=required) or None


def _line(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    """One line (a carrier, a reference), or None when left out and not ``required``."""
    return check_line(value or "", field, limit=limit, required=required) or None


@stable_topics("orders", was="domain.orders.aggregates")
class Order(OrionAggregate):
    class Placed(OrionAggregate.Created):
        """v2 keeps the VAT the order was taxed with (``TaxResult.as_dict()``: regime, rate
        table version, lines and shipping as taxed, per-rate base and VAT, mentions), so that a
        later rate change never alters a placed order. A v1 order, placed before the VAT
        engine, has None."""

        class_version = 2

        store_id: UUID
        customer_id: UUID | None
        cart_id: UUID | None
        currency: str
        # [{sku, product_id, title, quantity, unit_price, line_total, attributes,
        #   allocations: [{location_id, quantity}]}]
        lines: list[dict[str, Any]]
        totals: dict[str, int]
        shipping_method: dict[str, Any]  # {rate_id, name, amount}
        payment_method: str
        # E-mail and addresses, sealed under ``subject_id`` (the customer, or the order itself
        # for a guest): erasing the person erases them here too, the totals stay.
        sealed_contact: str
        subject_id: UUID
        destination_country: str
        payment_due_at: datetime | None
        status: str
        tax: dict[str, Any] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tax"] = None

    class PaymentRecorded(OrionAggregate.Event):
        payment_id: UUID
        amount: int
        method: str
        reference: str | None
        status: str

        def apply(self, order: Any) -> None:
            order.paid_amount += self.amount
            order.status = self.status

    class ProcessingStarted(OrionAggregate.Event):
        def apply(self, order: Any) -> None:
            order.status = PROCESSING

    class Shipped(OrionAggregate.Event):
        shipment_id: UUID
        carrier: str
        tracking_number: str | None
        # [{sku, quantity, from: [{location_id, quantity}]}]
        lines: list[dict[str, Any]]
        status: str

        def apply(self, order: Any) -> None:
            for line in self.lines:
                order.shipped[line["sku"]] = order.shipped.get(line["sku"], 0) + line["quantity"]
                for part in line["from"]:
                    key = f"{line['sku']}@{part['location_id']}"
                    order.held[key] = order.held.get(key, 0) - part["quantity"]
            order.shipments = [*order.shipments, self.shipment_id]
            order.status = self.status

    class Delivered(OrionAggregate.Event):
        def apply(self, order: Any) -> None:
            order.status = DELIVERED

    class Cancelled(OrionAggregate.Event):
        reason: str
        refund_amount: int
        # [{sku, location_id, quantity}] the reservations released
        released: list[dict[str, Any]]

        def apply(self, order: Any) -> None:
            for part in self.released:
                key = f"{part['sku']}@{part['location_id']}"
                order.held[key] = order.held.get(key, 0) - part["quantity"]
            order.refunded_amount += self.refund_amount
            order.status = CANCELLED

    class Refunded(OrionAggregate.Event):
        refund_id: UUID
        amount: int
        reason: str
        # [{sku, quantity, restock, released: [{location_id, quantity}],
        #   returned: [{location_id, quantity}]}]
        lines: list[dict[str, Any]]
        status: str

        def apply(self, order: Any) -> None:
            for line in self.lines:
                order.refunded[line["sku"]] = order.refunded.get(line["sku"], 0) + line["quantity"]
                for part in line["released"]:
                    key = f"{line['sku']}@{part['location_id']}"
                    order.held[key] = order.held.get(key, 0) - part["quantity"]
            order.refunded_amount += self.amount
            order.status = self.status

    class NoteAdded(OrionAggregate.Event):
        note_id: UUID
        text: str
        author: str

        def apply(self, order: Any) -> None:
            order.notes = [*order.notes, self.note_id]

    def __init__(
        self,
        store_id: UUID,
        customer_id: UUID | None,
        cart_id: UUID | None,
        currency: str,
        lines: list[dict[str, Any]],
        totals: dict[str, int],
        shipping_method: dict[str, Any],
        payment_method: str,
        sealed_contact: str,
        subject_id: UUID,
        destination_country: str,
        payment_due_at: datetime | None,
        status: str,
        tax: dict[str, Any] | None = None,
    ) -> None:
        self.store_id = store_id
        self.tax = tax
        self.customer_id = customer_id
        self.cart_id = cart_id
        self.currency = currency
        self.lines = [dict(line) for line in lines]
        self.totals = dict(totals)
        self.shipping_method = dict(shipping_method)
        self.payment_method = payment_method
        self.sealed_contact = sealed_contact
        self.subject_id = subject_id
        self.destination_country = destination_country
        self.payment_due_at = payment_due_at
        self.status = status
        self.paid_amount = 0
        self.refunded_amount = 0
        self.shipped: dict[str, int] = {}
        self.refunded: dict[str, int] = {}
        # Units still reserved, by "sku@location": what a cancellation releases.
        self.held: dict[str, int] = {}
        for line in lines:
            for part in line["allocations"]:
                key = f"{line['sku']}@{part['location_id']}"
                self.held[key] = self.held.get(key, 0) + int(part["quantity"])
        self.shipments: list[UUID] = []
        self.notes: list[UUID] = []

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        store_id: UUID,
        customer_id: UUID | None,
        cart_id: UUID | None,
        currency: str,
        lines: list[dict[str, Any]],
        totals: dict[str, int],
        shipping_method: dict[str, Any],
        payment_method: str,
        sealed_contact: str,
        subject_id: UUID,
        destination_country: str,
        payment_due_at: datetime | None,
        at: datetime,
        tax: dict[str, Any] | None = None,
    ) -> Order:
        if payment_method not in PAYMENT_METHODS:
            raise ValidationError("payment_method", f"must be one of {', '.join(PAYMENT_METHODS)}")
        if not lines:
            raise ConflictError("the cart is empty")
        # Cash on delivery waits for no payment before the store prepares the parcel.
        status = PROCESSING if payment_method == "cash_on_delivery" else PENDING_PAYMENT
        return cls._create(
            cls.Placed,
            id=order_id,
            timestamp=at,
            store_id=store_id,
            customer_id=customer_id,
            cart_id=cart_id,
            currency=currency,
            lines=[dict(line) for line in lines],
            totals=dict(totals),
            shipping_method=dict(shipping_method),
            payment_method=payment_method,
            sealed_contact=sealed_contact,
            subject_id=subject_id,
            destination_country=destination_country,
            payment_due_at=payment_due_at if status == PENDING_PAYMENT else None,
            status=status,
            tax=tax,
        )

    # -- reading ----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return int(self.totals["total"])

    def line(self, sku: str) -> dict[str, Any]:
        for line in self.lines:
            if line["sku"] == sku:
                return line
        raise ValidationError("lines", f"the order has no line with SKU {sku!r}", sku=sku)

    def unshipped(self, sku: str) -> int:
        """Units of the line neither shipped nor refunded: those still reserved."""
        self.line(sku)
        return sum(q for k, q in self.held.items() if k.split("@", 1)[0] == sku and q > 0)

    @property
    def left_to_ship(self) -> int:
        """Units of every line neither shipped nor refunded."""
        return sum(q for q in self.held.values() if q > 0)

    def held_parts(self, sku: str) -> list[dict[str, Any]]:
        """Where the line's still-reserved units are, in allocation order."""
        parts = []
        for part in self.line(sku)["allocations"]:
            left = self.held.get(f"{sku}@{part['location_id']}", 0)
            if left > 0:
                parts.append({"location_id": part["location_id"], "quantity": left})
        return parts

    def _move(self, to: str) -> None:
        if to not in TRANSITIONS[self.status]:
            raise OrderStateError(
                f"an order that is {self.status} cannot become {to}",
                status=self.status,
                wanted=to,
            )

    # -- transitions ------------------------------------------------------------------------

    def record_payment(
        self, *, payment_id: UUID, amount: int, method: str, reference: str | None, at: datetime
    ) -> None:
        check_whole(amount, "amount", low=1)
        if self.status in (CANCELLED, REFUNDED, RETURNED):
            raise OrderStateError(
                f"an order that is {self.status} takes no payment", status=self.status
            )
        if self.paid_amount + amount > self.total:
            raise ConflictError(
                f"the payment exceeds what is due ({self.total - self.paid_amount})",
                due=self.total - self.paid_amount,
            )
        status = self.status
        if status == PENDING_PAYMENT and self.paid_amount + amount >= self.total:
            self._move(PAID)
            status = PAID
        self._trigger(
            self.PaymentRecorded,
            at,
            payment_id=payment_id,
            amount=amount,
            method=method,
            reference=_line(reference, "reference", MAX_REF),
            status=status,
        )

    def start_processing(self, *, at: datetime) -> None:
        self._move(PROCESSING)
        self._trigger(self.ProcessingStarted, at)

    def ship(
        self,
        *,
        shipment_id: UUID,
        carrier: str,
        tracking_number: str | None,
        lines: list[dict[str, Any]] | None,
        at: datetime,
    ) -> list[dict[str, Any]]:
        """Ships the given lines and quantities (all that is left when None). Returns the
        shipment's lines with the locations their units come from, for the stock commits."""
        if self.status not in (PAID, PROCESSING, PARTIALLY_SHIPPED):
            raise OrderStateError(
                f"an order that is {self.status} cannot be shipped", status=self.status
            )
        wanted = (
            [{"sku": line["sku"], "quantity": self.unshipped(line["sku"])} for line in self.lines]
            if lines is None
            else lines
        )
        wanted = [w for w in wanted if w["quantity"]]
        if not wanted:
            raise ConflictError("nothing left to ship")
        shipped_lines = []
        seen: set[str] = set()
        for i, item in enumerate(wanted):
            sku, quantity = item["sku"], item["quantity"]
            if sku in seen:
                raise ValidationError(f"lines[{i}].sku", "appears twice")
            seen.add(sku)
            left = self.unshipped(sku)
            check_whole(quantity, f"lines[{i}].quantity", low=1)
            if quantity > left:
                raise ConflictError(f"{sku}: only {left} left to ship", sku=sku, left_to_ship=left)
            parts, need = [], quantity
            for part in self.held_parts(sku):
                take = min(need, part["quantity"])
                parts.append({"location_id": part["location_id"], "quantity": take})
                need -= take
                if need == 0:
                    break
            shipped_lines.append({"sku": sku, "quantity": quantity, "from": parts})
        remaining = self.left_to_ship - sum(item["quantity"] for item in shipped_lines)
        to = SHIPPED if remaining == 0 else PARTIALLY_SHIPPED
        if to != self.status:  # another partial shipment leaves the status as it is
            self._move(to)
        self._trigger(
            self.Shipped,
            at,
            shipment_id=shipment_id,
            carrier=_line(carrier, "carrier", MAX_REF, required=True),
            tracking_number=_line(tracking_number, "tracking_number", MAX_REF),
            lines=shipped_lines,
            status=to,
        )
        return shipped_lines

    def deliver(self, *, at: datetime) -> None:
        self._move(DELIVERED)
        self._trigger(self.Delivered, at)

    def cancel(
        self, *, reason: str, at: datetime, overdue_only: bool = False
    ) -> list[dict[str, Any]]:
        """Cancels; refunds what was paid. Returns the reservations to release."""
        if overdue_only and not (
            self.status == PENDING_PAYMENT
            and self.payment_due_at is not None
            and self.payment_due_at <= at
        ):
            raise OrderStateError("the order is not overdue for payment", status=self.status)
        self._move(CANCELLED)
        released = [
            {"sku": key.split("@", 1)[0], "location_id": UUID(key.split("@", 1)[1]), "quantity": q}
            for key, q in self.held.items()
            if q > 0
        ]
        self._trigger(
            self.Cancelled,
            at,
            reason=_line(reason, "reason", 200, required=True),
            refund_amount=self.paid_amount - self.refunded_amount,
            released=released,
        )
        return released

    def refund(
        self,
        *,
        refund_id: UUID,
        lines: list[dict[str, Any]],
        amount: int | None,
        reason: str,
        at: datetime,
    ) -> list[dict[str, Any]]:
        """Refunds lines and quantities (restocked or not). Unshipped units are released from
        their reservation; shipped units that come back are returned to stock when
        ``restock``. Returns the refund's lines with those stock movements."""
        if self.status in (CANCELLED, REFUNDED, RETURNED, PENDING_PAYMENT):
            raise OrderStateError(
                f"an order that is {self.status} cannot be refunded", status=self.status
            )
        if not lines:
            raise ValidationError("lines", "name at least one line to refund")
        refund_lines: list[dict[str, Any]] = []
        value = 0
        seen: set[str] = set()
        for i, item in enumerate(lines):
            sku, quantity = item.get("sku"), item.get("quantity")
            line = self.line(str(sku))
            if sku in seen:
                raise ValidationError(f"lines[{i}].sku", "appears twice")
            seen.add(str(sku))
            quantity = check_whole(quantity, f"lines[{i}].quantity", low=1)
            refundable = int(line["quantity"]) - self.refunded.get(str(sku), 0)
            if quantity > refundable:
                raise ConflictError(
                    f"{sku}: only {refundable} can still be refunded",
                    sku=sku,
                    refundable=refundable,
                )
            # Unshipped units first: they are still on the shelf, only reserved.
            unshipped = self.unshipped(str(sku))
            from_reserved = min(quantity, unshipped)
            released, need = [], from_reserved
            for part in self.held_parts(str(sku)):
                take = min(need, part["quantity"])
                if take:
                    released.append({"location_id": part["location_id"], "quantity": take})
                need -= take
            came_back = quantity - from_reserved
            returned = []
            if came_back and item.get("restock", True):
                returned = [
                    {"location_id": line["allocations"][0]["location_id"], "quantity": came_back}
                ]
            refund_lines.append(
                {
                    "sku": sku,
                    "quantity": quantity,
                    "restock": bool(item.get("restock", True)),
                    "released": released,
                    "returned": returned,
                }
            )
            value += int(line["unit_price"]) * quantity
        fully = all(
            self.refunded.get(line["sku"], 0)
            + sum(int(r["quantity"]) for r in refund_lines if r["sku"] == line["sku"])
            >= int(line["quantity"])
            for line in self.lines
        )
        if fully:
            value += (
                int(self.totals["shipping"])
                + int(self.totals["tax"])
                - int(self.totals["discount"])
            )
        refundable_money = self.paid_amount - self.refunded_amount
        amount = min(value, refundable_money) if amount is None else amount
        check_whole(amount, "amount", low=0)
        if amount > refundable_money:
            raise ConflictError(
                f"only {refundable_money} was paid and not yet refunded",
                refundable_amount=refundable_money,
            )
        status = self.status
        if fully:
            any_back = any(r["returned"] for r in refund_lines) or self.status in (
                SHIPPED,
                DELIVERED,
            )
            status = RETURNED if any_back and self.shipped else REFUNDED
        elif status == PARTIALLY_SHIPPED and self.left_to_ship == sum(
            part["quantity"] for r in refund_lines for part in r["released"]
        ):
            # What was still to ship is refunded, the rest went out: the order is shipped (and
            # can be delivered), as if its last shipment had taken those units.
            status = SHIPPED
        if status != self.status:
            self._move(status)
        self._trigger(
            self.Refunded,
            at,
            refund_id=refund_id,
            amount=amount,
            reason=_line(reason, "reason", 200) or "refund",
            lines=refund_lines,
            status=status,
        )
        return refund_lines

    def add_note(self, *, note_id: UUID, text: str, author: str, at: datetime) -> None:
        self._trigger(
            self.NoteAdded,
            at,
            note_id=note_id,
            text=_text(text, "text", MAX_NOTE, required=True),
            author=author,
        )
