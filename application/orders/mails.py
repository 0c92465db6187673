"""The order confirmation e-mail.

A reaction follows the log and, for every ``Order.Placed``, queues a ``send_mail`` job holding
the order's id only; the composer below runs in the worker, opens the order's sealed contact
(nothing personal sits in Redis) and writes the lines, the totals, how to pay and the order's
human number. The number is handed out by the orders read model in log order: if that has not
reached the order yet, the composer raises, the mail job releases its claim and the queue
tries again later (RQ and the in-process queue both retry). A person erased since gets no mail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from application.mail import MailComposer, MailMessage
from application.orders.app import OrderService
from application.orders.payments import Payments
from application.reactions import Job, Reaction, mail_job
from domain.orders.aggregates import Order
from domain.shared.money import format_minor
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store

CONFIRMATION = "orders.confirmation"

# (store id, order id) -> the order's number ("ACME-000042"), or None while not yet numbered.
OrderNumbers = Callable[[UUID, UUID], str | None]


class OrderNotNumberedYetError(RuntimeError):
    """The orders read model has not numbered the order yet: the job is to be retried."""


def order_mail_reaction() -> Reaction:
    def react(position: int, event: Any) -> list[Job]:
        del position
        if not isinstance(event, Order.Placed):
            return []
        order_id = str(event.originator_id)
        return [
            mail_job(
                CONFIRMATION, {"order_id": order_id}, dedupe_key=f"order-confirmation:{order_id}"
            )
        ]

    return Reaction("order-mails", topics_of(Order.Placed), react)


def _address(address: dict[str, Any]) -> list[str]:
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    city = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
    parts = [
        name,
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        city,
        address.get("region"),
        address.get("country"),
    ]
    return [f"  {p}" for p in parts if p]


def _payment_lines(payment: dict[str, Any], currency: str) -> list[str]:
    amount = format_minor(int(payment.get("amount", 0)), currency)
    if payment.get("kind") == "bank_transfer":
        return [
            f"Please transfer {amount} and quote the reference {payment.get('reference')}.",
            "We prepare your parcel as soon as the payment arrives.",
        ]
    if payment.get("kind") == "cash_on_delivery":
        return [f"Pay {amount} in cash to the carrier on delivery."]
    return [f"Amount to pay: {amount}."]


class OrderMails:
    def __init__(
        self, orders: OrderService, payments: Payments, order_numbers: OrderNumbers
    ) -> None:
        self.orders = orders
        self.payments = payments
        self.platform = orders.platform
        self.order_numbers = order_numbers

    def register(self, composers: MailComposer) -> None:
        composers.register(CONFIRMATION, self.confirmation)

    def confirmation(self, ref: dict[str, Any]) -> MailMessage | None:
        order = self.platform.find(Order, UUID(ref["order_id"]))
        if order is None:
            return None
        contact = self.orders.contact(order)
        store = self.platform.find(Store, order.store_id)
        if not contact or not contact.get("email") or store is None:
            return None  # the person was erased since, or the store is gone
        number = self.order_numbers(order.store_id, order.id)
        if number is None:
            raise OrderNotNumberedYetError(f"order {order.id} has no number yet; retry later")
        payment = self.payments.instructions(order)
        currency = order.currency
        totals = order.totals
        text = [
            f"Thank you for your order at {store.name}.",
            "",
            f"Order {number}",
            "",
        ]
        for line in order.lines:
            attributes = ", ".join(f"{k}: {v}" for k, v in sorted(line["attributes"].items()))
            text.append(
                f"  {line['quantity']} x {line['title']}"
                f"{f' ({attributes})' if attributes else ''} [{line['sku']}]"
                f"  {format_minor(int(line['line_total']), currency)}"
            )
        text += [
            "",
            f"  Subtotal   {format_minor(int(totals['subtotal']), currency)}",
            f"  Shipping   {format_minor(int(totals['shipping']), currency)}"
            f"  ({order.shipping_method.get('name', '')})",
        ]
        if totals.get("discount"):
            text.append(f"  Discount  -{format_minor(int(totals['discount']), currency)}")
        if totals.get("tax"):
            text.append(f"  Tax        {format_minor(int(totals['tax']), currency)}")
        text += [f"  Total      {format_minor(int(totals['total']), currency)}", ""]
        text += _payment_lines(payment, currency)
        shipping = contact.get("shipping_address") or {}
        if shipping:
            text += ["", "Shipping to:", *_address(shipping)]
        text += ["", f"{store.name}", ""]
        return MailMessage(
            to=str(contact["email"]),
            subject=f"Your order {number} at {store.name}",
            text="\n".join(text),
        )
