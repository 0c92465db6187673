"""Invoice jobs, queued by the invoices reaction (``application.invoices.jobs``): the invoice of
an order paid in full, the credit notes of refunds and cancellations, the PDFs, and the PDFs an
erased customer's name is dropped from. Ids come as text: Redis keeps them so."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.invoices.jobs import (
    CREDIT_CANCELLATION,
    CREDIT_REFUND,
    FORGET_PDFS,
    ISSUE_ON_PAYMENT,
    RENDER_PDF,
    InvoiceJobs,
)
from workers.job import job


def _done(issued: object) -> str:
    return "issued" if issued is not None else "nothing to do"


@job(ISSUE_ON_PAYMENT)
def issue_on_payment(jobs: InvoiceJobs, order_id: str) -> str:
    return _done(jobs.issue_on_payment(UUID(order_id)))


@job(CREDIT_REFUND)
def credit_refund(
    jobs: InvoiceJobs,
    order_id: str,
    refund_id: str,
    lines: list[dict[str, Any]],
    shipping: bool,
    reason: str,
) -> str:
    return _done(jobs.credit_refund(UUID(order_id), UUID(refund_id), lines, shipping, reason))


@job(CREDIT_CANCELLATION)
def credit_cancellation(jobs: InvoiceJobs, order_id: str) -> str:
    return _done(jobs.credit_cancellation(UUID(order_id)))


@job(RENDER_PDF)
def render_pdf(jobs: InvoiceJobs, invoice_id: str) -> int:
    """Draws and keeps the document's PDF; returns its size in bytes."""
    return jobs.render_pdf(UUID(invoice_id))


@job(FORGET_PDFS)
def forget_pdfs(jobs: InvoiceJobs, customer_id: str) -> int:
    return jobs.forget_pdfs(UUID(customer_id))
