"""Invoice PDFs: drawn by a job once the invoice is issued and kept in the document store, or
drawn when asked for if the job has not run yet (then kept too). The same invoice draws the
same bytes, so which of the two drew it makes no difference.

A PDF shows the buyer's name and address. Once the buyer is erased, the PDF kept from before is
deleted when next asked for, and one with the buyer's block masked is drawn and kept instead.
"""

from __future__ import annotations

import threading
from uuid import UUID

from application.invoices.app import InvoiceService
from application.invoices.documents import (
    PDF,
    DocumentStore,
    InvoiceRenderer,
    invoice_document,
    pdf_key,
)
from domain.invoices.aggregates import Invoice
from domain.invoices.errors import InvoiceNotFoundError


class InvoicePdfs:
    def __init__(
        self, invoices: InvoiceService, documents: DocumentStore, render: InvoiceRenderer
    ) -> None:
        self.invoices = invoices
        self.documents = documents
        self.render = render
        # One drawing at a time per process: the renderer's text layout (Pango, fontconfig)
        # is not safe to share between threads, and the API's threads and the in-process job
        # thread may all draw. Drawing is CPU-bound anyway: a second thread would not help.
        self._drawing = threading.Lock()

    def pdf(self, store_id: UUID, invoice_id: UUID) -> tuple[Invoice, bytes]:
        """A store's invoice or credit note, and its PDF."""
        invoice = self.invoices.get(store_id, invoice_id)
        return invoice, self._pdf(invoice)

    def for_customer(
        self, store_id: UUID, customer_id: UUID, order_id: UUID
    ) -> tuple[Invoice, bytes]:
        """The invoice of one of the customer's orders, and its PDF; anyone else's order (or
        an order without an invoice) has none here."""
        invoice = self.invoices.of_order(store_id, order_id)
        if invoice is None or invoice.customer_id != customer_id:
            raise InvoiceNotFoundError(f"order {order_id} has no invoice", order_id=str(order_id))
        return invoice, self._pdf(invoice)

    def render_and_keep(self, invoice_id: UUID) -> int:
        """The job: draws the invoice's PDF unless it is kept already; returns its size (0 when
        the invoice is not there)."""
        invoice = self.invoices.platform.find(Invoice, invoice_id)
        if invoice is None:
            return 0
        return len(self._pdf(invoice))

    def _pdf(self, invoice: Invoice) -> bytes:
        buyer = self.invoices.buyer(invoice)
        masked = buyer is None
        if masked:
            # Drawn before the erasure, the kept PDF shows the person: it goes.
            self.documents.delete(pdf_key(invoice.id, masked=False))
        key = pdf_key(invoice.id, masked=masked)
        kept = self.documents.get(key)
        if kept is not None:
            return kept.content
        logo_ref = invoice.seller.get("logo")
        logo = self.documents.get(logo_ref) if logo_ref else None
        document = invoice_document(invoice, buyer=buyer, logo=logo)
        with self._drawing:
            content = self.render(document)
        self.documents.put(key, content, media_type=PDF, store_id=invoice.store_id)
        return content
