"""What follows from the log for invoices, as jobs: an order paid in full gets its invoice (when
the store issues on payment), a refund or a cancellation after payment gets a credit note, an
issued document gets its PDF, and an erased customer's PDFs are dropped.

The reaction only names the jobs (ids and the refund's lines: nothing personal goes to Redis);
each job decides on the aggregates as they are when it runs, and is safe to run twice: an
invoice's id is its order's, a credit note's command carries an Idempotency-Key derived from
the refund (or the cancellation), and a PDF is drawn again to the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.context import CommandContext
from application.invoices.app import InvoiceService, Issued
from application.invoices.documents import DocumentStore, pdf_key
from application.invoices.pdfs import InvoicePdfs
from application.reactions import Job, Reaction
from domain.identity.aggregates import Customer
from domain.invoices.aggregates import Invoice
from domain.invoices.errors import NothingToCreditError
from domain.orders.aggregates import Order
from domain.orders.values import REFUNDED, RETURNED
from domain.shared.errors import ConflictError
from domain.shared.topics import topics_of

log = logging.getLogger("orion.invoices.jobs")

ACTOR = "system:invoices"
# The jobs' stable names (Redis keeps them).
ISSUE_ON_PAYMENT = "workers.invoices.issue_on_payment"
CREDIT_REFUND = "workers.invoices.credit_refund"
CREDIT_CANCELLATION = "workers.invoices.credit_cancellation"
RENDER_PDF = "workers.invoices.render_pdf"
FORGET_PDFS = "workers.invoices.forget_pdfs"

# (store id, customer id) -> the ids of the customer's invoices and credit notes (the invoices
# read model, wired by the composition root).
CustomerInvoices = Callable[[UUID, UUID], Iterable[UUID]]


def invoice_reaction() -> Reaction:
    def react(position: int, event: Any) -> list[Job]:
        del position
        if isinstance(event, Order.PaymentRecorded):
            # Whether the order is paid in full, and the store issues on payment, is the job's
            # to see: a payment completes an order whatever status it moves it to (cash on
            # delivery is paid after delivery).
            order_id = str(event.originator_id)
            return [Job(ISSUE_ON_PAYMENT, (order_id,), f"invoice-on-payment-{event.payment_id}")]
        if isinstance(event, Order.Refunded):
            lines = [{"key": line["sku"], "quantity": line["quantity"]} for line in event.lines]
            # A refund that leaves nothing gives the shipping back too (``Order.refund``).
            shipping = event.status in (REFUNDED, RETURNED)
            args = (str(event.originator_id), str(event.refund_id), lines, shipping, event.reason)
            return [Job(CREDIT_REFUND, args, f"invoice-credit-refund-{event.refund_id}")]
        if isinstance(event, Order.Cancelled):
            if not event.refund_amount:
                return []  # nothing was paid: there is no invoice to correct
            order_id = str(event.originator_id)
            return [Job(CREDIT_CANCELLATION, (order_id,), f"invoice-credit-cancel-{order_id}")]
        if isinstance(event, Invoice.Issued):
            invoice_id = str(event.originator_id)
            return [Job(RENDER_PDF, (invoice_id,), f"invoice-pdf-{invoice_id}")]
        if isinstance(event, Customer.Erased):
            customer_id = str(event.originator_id)
            return [Job(FORGET_PDFS, (customer_id,), f"invoice-forget-{customer_id}")]
        return []

    return Reaction(
        "invoice-jobs",  # (the read model is "invoices": the two share the tracking table)
        topics_of(
            Order.PaymentRecorded,
            Order.Refunded,
            Order.Cancelled,
            Invoice.Issued,
            Customer.Erased,
        ),
        react,
    )


@dataclass
class InvoiceJobs:
    invoices: InvoiceService
    pdfs: InvoicePdfs
    documents: DocumentStore
    customer_invoices: CustomerInvoices

    def _order(self, order_id: UUID) -> Order | None:
        return self.invoices.platform.find(Order, order_id)

    def issue_on_payment(self, order_id: UUID) -> Issued | None:
        """The order's invoice, once it is paid in full and if its store issues on payment;
        None when it is not to be issued (or was already)."""
        order = self._order(order_id)
        if order is None or order.paid_amount < order.total:
            return None
        settings = self.invoices.settings(order.store_id)
        if settings is not None and not settings.issue_on_payment:
            return None
        ctx = CommandContext(actor=ACTOR)
        try:
            return self.invoices.issue_for_order(ctx, order.store_id, order_id, on_payment=True)
        except ConflictError as error:
            # Invoiced already, never set up, issued by hand, cancelled meanwhile, placed
            # before VAT, or the buyer erased: nothing to issue, and a retry changes nothing.
            log.info("no invoice issued for order %s: %s (%s)", order_id, error.code, error)
            return None

    def credit_refund(
        self,
        order_id: UUID,
        refund_id: UUID,
        lines: list[dict[str, Any]],
        shipping: bool,
        reason: str,
    ) -> Issued | None:
        """A credit note for what the refund gave back. An order paid and refunded before
        its invoice job ran gets its invoice first, so that the refund is credited on it."""
        order = self._order(order_id)
        if order is None:
            return None
        self.issue_on_payment(order_id)
        ctx = CommandContext(actor=ACTOR, idempotency_key=f"refund:{refund_id}")
        try:
            return self.invoices.credit_refund(
                ctx, order.store_id, order_id, lines=lines, shipping=shipping, reason=reason
            )
        except NothingToCreditError:
            return None

    def credit_cancellation(self, order_id: UUID) -> Issued | None:
        """A credit note for everything the invoice has left, the order being cancelled."""
        order = self._order(order_id)
        invoice = self.invoices.of_order(order.store_id, order_id) if order else None
        if order is None or invoice is None:
            return None
        ctx = CommandContext(actor=ACTOR, idempotency_key=f"cancel:{order_id}")
        try:
            return self.invoices.credit(ctx, order.store_id, invoice.id, reason="order cancelled")
        except NothingToCreditError:
            return None

    def render_pdf(self, invoice_id: UUID) -> int:
        return self.pdfs.render_and_keep(invoice_id)

    def forget_pdfs(self, customer_id: UUID) -> int:
        """Deletes the kept PDFs that show an erased customer (masked ones are drawn when next
        asked for); returns how many invoices were looked at."""
        customer = self.invoices.platform.find(Customer, customer_id)
        if customer is None:
            return 0
        found = list(self.customer_invoices(customer.store_id, customer_id))
        for invoice_id in found:
            self.documents.delete(pdf_key(invoice_id, masked=False))
        return len(found)
