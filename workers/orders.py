"""Order jobs: the payment timeout, run every minute by the scheduler (``adapters.scheduler``).

Also the two read-model lookups the order jobs need, wired into the use cases by the
composition root: the orders that may be overdue, and an order's human number.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from application.orders.jobs import PaymentTimeouts
from projections.errors import ReadModelNotReadyError
from projections.orders.numbers import NAME as NUMBERS
from projections.read import ReadModels
from workers.runtime import get_runtime

log = logging.getLogger("orion.workers.orders")

PAYMENT_TIMEOUTS = "orders.payment_timeouts"
ORDERS = "orders"
PENDING_PAYMENT = "pending_payment"
BATCH = 1000


def cancel_overdue_orders() -> int:
    """The job: cancels the pending-payment orders past their due time; returns how many."""
    timeouts = get_runtime().services.get(PAYMENT_TIMEOUTS)
    if not isinstance(timeouts, PaymentTimeouts):
        # A bare ``rq worker`` has no application: the job needs ``orion worker``.
        raise RuntimeError("cancel_overdue_orders needs the application: run it by orion worker")
    return len(timeouts.run())


def pending_payment_orders(read: ReadModels, now: datetime) -> Iterable[tuple[UUID, UUID]]:
    """(store id, order id) of the orders the read model has pending payment and due by
    ``now``. The aggregate decides for each (the read model may lag); an order the read
    model has not seen yet is found a minute later."""
    if ORDERS not in read.registry.projections:
        return []
    try:
        orders = read.tables(ORDERS)[ORDERS]
    except ReadModelNotReadyError:
        return []
    query = (
        select(orders.c.store_id, orders.c.order_id)
        .where(
            orders.c.status == PENDING_PAYMENT,
            orders.c.payment_due_at.is_not(None),
            orders.c.payment_due_at <= now,
        )
        .order_by(orders.c.payment_due_at)
        .limit(BATCH)  # the rest in the next run, a minute later
    )
    with read.engine.connect() as conn:
        return [(row.store_id, row.order_id) for row in conn.execute(query)]


def order_number(read: ReadModels, store_id: UUID, order_id: UUID) -> str | None:
    """The order's number ("ACME-000042"), or None while the numbers read model has not
    reached it (``projections/orders/numbers.py``): checkout answers with it."""
    if NUMBERS not in read.registry.projections:
        return None
    try:
        numbers = read.tables(NUMBERS)["numbers"]
    except ReadModelNotReadyError:
        return None
    query = select(numbers.c.number_text).where(
        numbers.c.store_id == store_id, numbers.c.order_id == order_id
    )
    with read.engine.connect() as conn:
        number = conn.execute(query).scalar()
    return str(number) if number is not None else None
