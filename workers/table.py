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
from application.orders.jobs import PaymentTimeouts
from workers.identity import Accounts, request_password_reset
from workers.inventory import release_expired_holds
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


def job_table(services: JobServices) -> dict[str, Callable[..., Any]]:
    bound: list[tuple[str, Callable[..., Any]]] = [
        (send_mail.name, send_mail.bind(services.mail)),
        (send_mails.name, send_mails.bind(services.mail)),
        (request_password_reset.name, request_password_reset.bind(services.accounts)),
        (cancel_overdue_orders.name, cancel_overdue_orders.bind(services.payment_timeouts)),
        (release_expired_holds.name, release_expired_holds.bind(services.hold_sweep)),
    ]
    return dict(bound)
