"""Order jobs: the payment timeout, queued every minute by the scheduler
(``adapters.scheduler``)."""

from __future__ import annotations

from application.orders.jobs import CANCEL_OVERDUE_ORDERS, PaymentTimeouts
from workers.job import job


@job(CANCEL_OVERDUE_ORDERS)
def cancel_overdue_orders(timeouts: PaymentTimeouts) -> int:
    """Cancels the pending-payment orders past their due time; returns how many."""
    return len(timeouts.run())
