"""The payment timeout: pending-payment orders whose payment did not arrive in time are
cancelled and their stock released.

Which orders to look at comes from a port (the orders read model, wired by the composition
root); whether one is really overdue is decided by its aggregate, at the clock's time, inside
the command (``OrderService.cancel_if_overdue``): a read model that lags, or an order paid a
moment ago, can never get a paid order cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.context import CommandContext
from application.orders.app import OrderService
from domain.shared.errors import OrionError

log = logging.getLogger("orion.orders.jobs")

TIMEOUT_ACTOR = "system:payment-timeout"
# The job's stable name (the scheduler queues it every minute; Redis keeps the name).
CANCEL_OVERDUE_ORDERS = "workers.orders.cancel_overdue_orders"

# (now) -> (store id, order id) of the orders that may be overdue at ``now``.
PendingOrders = Callable[[datetime], Iterable[tuple[UUID, UUID]]]


@dataclass
class PaymentTimeouts:
    orders: OrderService
    pending: PendingOrders

    def run(self) -> list[UUID]:
        """Cancels every overdue order; returns their ids. One order that cannot be cancelled
        (paid in the meantime, say) is logged and skipped: the others still are."""
        now = self.orders.platform.clock.now()
        cancelled: list[UUID] = []
        for store_id, order_id in list(self.pending(now)):
            ctx = CommandContext(actor=TIMEOUT_ACTOR)
            try:
                result = self.orders.cancel_if_overdue(ctx, store_id, order_id)
            except OrionError as error:
                log.info("order %s not cancelled for payment timeout: %s", order_id, error)
                continue
            if result is not None:
                cancelled.append(order_id)
        if cancelled:
            log.info("cancelled %d order(s) whose payment did not arrive", len(cancelled))
        return cancelled
