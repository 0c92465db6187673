"""Invoices and credit notes: an order's invoice, issued by hand or when the order is paid
(``jobs``), and the credit notes that correct it, by hand or when the order is refunded.

Numbers. An invoice and the number series it takes its number from are saved in one atomic
save: a number is recorded only with the document that shows it, and the series' version makes
each number taken once (``InvoiceSeries``). Issues that race for a series lose on its version
and decide again on a fresh read (``retrying``), so that 50 issued at once get 1..50.

The buyer. An invoice shows the buyer's name and address, opened from the order's sealed
contact (its billing address) and sealed again for the invoice under the order's subject:
erasing the person makes them unreadable on the invoice too, the figures stay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.context import CommandContext
from application.inventory.app import retrying
from application.orders.app import OrderService
from application.platform import CommandResult, Decision, Platform
from domain.invoices.aggregates import Invoice, InvoiceSeries, InvoicingSettings
from domain.invoices.errors import (
    AlreadyInvoicedError,
    BuyerErasedError,
    InvoiceNotFoundError,
    InvoicingNotSetUpError,
    OrderNotInvoiceableError,
    OrderNotTaxedError,
)
from domain.invoices.values import CREDIT_NOTE, DEFAULTS, INVOICE, MAX_DESCRIPTION
from domain.orders.aggregates import Order
from domain.orders.values import CANCELLED
from domain.shared.errors import ConflictError
from domain.shared.personal import PersonalData
from domain.tax.policies import supply_date

# Every issue of a store's year takes the same series: with N issued at once, the last one may
# lose N - 1 races before its turn. Each lost race costs a read and a refused save.
SERIES_RETRIES = 200
BUYER_ADDRESS = ("line1", "line2", "postal_code", "city", "country")


class NotIssuedOnPaymentError(ConflictError):
    """The payment job's issue, for a store that issues its invoices by hand."""

    code = "not_issued_on_payment"


@dataclass(frozen=True)
class Issued:
    """A command's answer and the document it issued (as issued: for a replayed
    Idempotency-Key, the document the first attempt issued)."""

    result: CommandResult
    document: Invoice


# (invoice) -> the lines and shipping to credit, ``(lines, shipping)`` as ``Invoice.credit``
# takes them; decided inside the command on the invoice as it is then.
CreditChoice = Callable[[Invoice], tuple[list[dict[str, Any]] | None, bool | None]]


class InvoiceService:
    def __init__(self, platform: Platform, orders: OrderService, personal: PersonalData) -> None:
        self.platform = platform
        self.orders = orders
        self.personal = personal
        # One series per (store, kind) is taken at a time in this process: its threads then
        # queue for it instead of racing for its version and deciding again (each lost race
        # a wasted decision and save). Other processes still race, and ``retrying`` settles.
        self._series_locks: dict[tuple[UUID, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------

    def get(self, store_id: UUID, invoice_id: UUID) -> Invoice:
        """An invoice or credit note of this store; another store's does not exist here."""
        found = self.platform.find(Invoice, invoice_id)
        if found is None or found.store_id != store_id:
            raise InvoiceNotFoundError(f"no invoice {invoice_id}", invoice_id=str(invoice_id))
        return found

    def of_order(self, store_id: UUID, order_id: UUID) -> Invoice | None:
        """The order's invoice, if it has one."""
        found = self.platform.find(Invoice, Invoice.id_for_order(order_id))
        return found if found is not None and found.store_id == store_id else None

    def buyer(self, invoice: Invoice) -> dict[str, Any] | None:
        """The buyer's name and address (``{name, address}``), or None once erased."""
        return self.personal.open(invoice.subject_id, invoice.sealed_buyer)

    def settings(self, store_id: UUID) -> InvoicingSettings | None:
        return self.platform.find(InvoicingSettings, InvoicingSettings.id_for(store_id))

    # -- issuing ----------------------------------------------------------------------------

    def issue_for_order(
        self, ctx: CommandContext, store_id: UUID, order_id: UUID, *, on_payment: bool = False
    ) -> Issued:
        """The order's invoice, numbered in the store's invoice series of the issue date's
        year (the seller's local date). Refused when the order has one already, keeps no tax
        result, was cancelled, or its buyer was erased, and while the store's invoicing
        settings lack the seller's legal name or address. ``on_payment``: the job's issue,
        refused too when the store does not issue on payment (decided on the settings the
        invoice is issued with)."""
        sealed: list[str] = []
        made: list[Invoice] = []

        def decide(at: datetime) -> Decision:
            order = self.orders.get(store_id, order_id)
            invoice_id = Invoice.id_for_order(order_id)
            if self.platform.find(Invoice, invoice_id) is not None:
                raise AlreadyInvoicedError(
                    f"order {order_id} has its invoice already",
                    order_id=str(order_id),
                    invoice_id=str(invoice_id),
                )
            tax = getattr(order, "tax", None)
            if tax is None:
                raise OrderNotTaxedError(
                    "the order was placed before VAT was computed at checkout: it keeps no "
                    "tax result to invoice",
                    order_id=str(order_id),
                )
            if order.status == CANCELLED:
                raise OrderNotInvoiceableError(
                    "a cancelled order is not invoiced", order_id=str(order_id)
                )
            settings = self._settings_for_issue(store_id)
            if on_payment and not settings.issue_on_payment:
                raise NotIssuedOnPaymentError(
                    "the store issues its invoices by hand", store_id=str(store_id)
                )
            seller = settings.seller(vat_number=tax["seller_vat_number"])
            issue_date = supply_date(at, tax["seller_country"])
            if not sealed:
                sealed.append(self._sealed_buyer(order))
            series = self._series(store_id, INVOICE, issue_date, at)
            billing = self._billing(order)
            invoice = Invoice.issue(
                store_id=store_id,
                order_id=order_id,
                customer_id=order.customer_id,
                number=series.allocate(at),
                prefix=settings.prefix(INVOICE),
                issue_date=issue_date,
                currency=order.currency,
                language=settings.language,
                seller=seller,
                buyer_vat_number=None,  # the one the order was taxed with
                buyer_company=(billing or {}).get("company"),
                sealed_buyer=sealed[0],
                subject_id=order.subject_id,
                lines=order_lines(order),
                tax=tax,
                at=at,
            )
            made.append(invoice)
            return Decision(invoice, touched=[series])

        with self._series_lock(store_id, INVOICE):
            result = self.platform.execute(
                ctx.for_store(store_id), "IssueInvoice", retrying(decide, SERIES_RETRIES)
            )
        return self._answer(result, made)

    def _series_lock(self, store_id: UUID, kind: str) -> threading.Lock:
        with self._locks_lock:
            return self._series_locks.setdefault((store_id, kind), threading.Lock())

    def _settings_for_issue(self, store_id: UUID) -> InvoicingSettings:
        settings = self.settings(store_id)
        if settings is None:
            raise InvoicingNotSetUpError(
                "set the store's legal name and address in its invoicing settings first",
                missing=["legal_name", "address"],
            )
        return settings

    def _series(self, store_id: UUID, kind: str, on: date, at: datetime) -> InvoiceSeries:
        found = self.platform.find(InvoiceSeries, InvoiceSeries.id_for(store_id, kind, on.year))
        return found or InvoiceSeries.create(store_id=store_id, kind=kind, year=on.year, at=at)

    def _billing(self, order: Order) -> dict[str, Any] | None:
        contact = self.orders.contact(order)
        if contact is None:
            return None
        found = contact.get("billing_address") or contact.get("shipping_address")
        return dict(found) if found else None

    def _sealed_buyer(self, order: Order) -> str:
        """The buyer's name and billing address, sealed for the invoice under the order's
        subject: erasing the person erases them on the invoice too."""
        billing = self._billing(order)
        if billing is None:
            raise BuyerErasedError(
                "the buyer's personal data was erased: an invoice cannot show their name and "
                "address",
                order_id=str(order.id),
            )
        name = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)
        buyer = {
            "name": name or billing.get("company") or "",
            "address": {part: billing.get(part) for part in BUYER_ADDRESS},
        }
        return self.personal.seal(order.subject_id, buyer)

    # -- crediting ---------------------------------------------------------------------------

    def credit(
        self,
        ctx: CommandContext,
        store_id: UUID,
        invoice_id: UUID,
        *,
        reason: str,
        lines: list[dict[str, Any]] | None = None,
        shipping: bool | None = None,
    ) -> Issued:
        """A credit note for the invoice: ``lines`` ``[{key, quantity}]`` (None: every unit left)
        and, with ``shipping``, its shipping (None: with every unit left, not otherwise), at
        the invoice's rates, numbered in the store's credit-note series."""
        return self._credit(ctx, store_id, invoice_id, lambda _: (lines, shipping), reason)

    def _credit(
        self,
        ctx: CommandContext,
        store_id: UUID,
        invoice_id: UUID,
        choose: CreditChoice,
        reason: str,
    ) -> Issued:
        made: list[Invoice] = []

        def decide(at: datetime) -> Decision:
            invoice = self.get(store_id, invoice_id)
            lines, shipping = choose(invoice)
            settings = self.settings(store_id)
            prefix = settings.prefix(CREDIT_NOTE) if settings else DEFAULTS["credit_note_prefix"]
            # The seller's local date, and never before the invoice's.
            issue_date = max(supply_date(at, invoice.tax["seller_country"]), invoice.issued_on)
            series = self._series(store_id, CREDIT_NOTE, issue_date, at)
            note = invoice.credit(
                number=series.allocate(at),
                prefix=prefix,
                issue_date=issue_date,
                reason=reason,
                lines=lines,
                shipping=shipping,
                at=at,
            )
            made.append(note)
            return Decision(note, touched=[invoice, series])

        with self._series_lock(store_id, CREDIT_NOTE):
            result = self.platform.execute(
                ctx.for_store(store_id), "CreditInvoice", retrying(decide, SERIES_RETRIES)
            )
        return self._answer(result, made)

    def credit_refund(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        *,
        lines: list[dict[str, Any]],
        shipping: bool,
        reason: str,
    ) -> Issued | None:
        """A credit note for what a refund of the order gave back (``lines`` ``[{key,
        quantity}]``, ``shipping``), within what the invoice has left to credit (some may have
        been credited by hand already); None when the order has no invoice or nothing of it is
        left."""
        invoice = self.of_order(store_id, order_id)
        if invoice is None:
            return None

        def choose(current: Invoice) -> tuple[list[dict[str, Any]] | None, bool | None]:
            left = current.left_to_credit()
            taken = [
                {"key": line["key"], "quantity": min(int(line["quantity"]), left[line["key"]])}
                for line in lines
                if left.get(line["key"])
            ]
            return taken, shipping and current.shipping_left_to_credit

        if not any(choose(invoice)):
            return None
        return self._credit(ctx, store_id, invoice.id, choose, reason)

    def _answer(self, result: CommandResult, made: list[Invoice]) -> Issued:
        if made and not result.replayed:
            return Issued(result, made[-1])
        document = self.platform.find(Invoice, result.id)
        assert document is not None  # saved by this command or the one it replays
        return Issued(result, document)


def order_lines(order: Order) -> list[dict[str, Any]]:
    """The order's lines as an invoice describes them (keyed by SKU, as checkout taxes them)."""
    described = []
    for line in order.lines:
        attributes = ", ".join(f"{k}: {v}" for k, v in sorted(line["attributes"].items()))
        title = str(line["title"])
        text = f"{title} ({attributes})" if attributes else title
        described.append(
            {
                "key": line["sku"],
                "description": text[:MAX_DESCRIPTION],
                "quantity": int(line["quantity"]),
                "unit_price": int(line["unit_price"]),
            }
        )
    return described
