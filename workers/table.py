"""The job table: every job by its name, with its collaborators bound.

The composition root builds the collaborators once per process and the table from them; the
in-process queue and ``orion worker`` (``adapters.queue``) run jobs from it, by the name Redis
keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from application.inventory.jobs import HoldSweep
from application.invoices.jobs import InvoiceJobs
from application.orders.jobs import PaymentTimeouts
from workers.identity import Accounts, request_password_reset
from workers.inventory import release_expired_holds
from workers.invoices import (
    credit_cancellation,
    credit_refund,
    forget_pdfs,
    issue_on_payment,
    render_pdf,
)
from workers.mail import MailKit, send_mail, send_mails
from workers.orders import cancel_overdue_orders

JobTable = Mapping[str, Callable[..., Any]]


@dataclass(frozen=True)
class JobServices:
    """Every job's collaborators."""

    mail: MailKit
    accounts: Accounts
    payment_timeouts: PaymentTimeouts
    hold_sweep: HoldSweep
    invoices: InvoiceJobs


def job_table(services: JobServices) -> dict[str, Callable[..., Any]]:
    bound: list[tuple[str, Callable[..., Any]]] = [
        (send_mail.name, send_mail.bind(services.mail)),
        (send_mails.name, send_mails.bind(services.mail)),
        (request_password_reset.name, request_password_reset.bind(services.accounts)),
        (cancel_overdue_orders.name, cancel_overdue_orders.bind(services.payment_timeouts)),
        (release_expired_holds.name, release_expired_holds.bind(services.hold_sweep)),
        (issue_on_payment.name, issue_on_payment.bind(services.invoices)),
        (credit_refund.name, credit_refund.bind(services.invoices)),
        (credit_cancellation.name, credit_cancellation.bind(services.invoices)),
        (render_pdf.name, render_pdf.bind(services.invoices)),
        (forget_pdfs.name, forget_pdfs.bind(services.invoices)),
    ]
    return dict(bound)
