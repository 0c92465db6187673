"""The hold sweep: checkout holds that expired are released in the log.

An expired hold already counts for nothing, in the stock item and in the read model's queries;
the sweep records its release (reason "expired"), so that the ledger says where the units went
and the stock item sheds the reservation. Which stock items to look at comes from a port (the
inventory read model, wired by the composition root); which holds have expired is decided by
each stock item, at the clock's time, inside the command (``release_expired_holds``): a read
model that lags can never get a live hold released.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.context import CommandContext
from application.inventory.app import InventoryService
from domain.shared.errors import OrionError

log = logging.getLogger("orion.inventory.jobs")

SWEEP_ACTOR = "system:hold-expiry"
# The job's stable name (the scheduler queues it every minute; Redis keeps the name).
RELEASE_EXPIRED_HOLDS = "workers.inventory.release_expired_holds"

# (now) -> (store id, location id, SKU) of the stock items that may hold expired holds.
ExpiredHolds = Callable[[datetime], Iterable[tuple[UUID, UUID, str]]]


@dataclass
class HoldSweep:
    inventory: InventoryService
    expired: ExpiredHolds

    def run(self) -> int:
        """Releases the expired holds of every stock item found; returns how many items had
        some. One item that fails is logged and skipped: the others are still swept."""
        now = self.inventory.platform.clock.now()
        swept = 0
        for store_id, location_id, sku in list(self.expired(now)):
            ctx = CommandContext(actor=SWEEP_ACTOR)
            try:
                result = self.inventory.release_expired_holds(ctx, store_id, location_id, sku)
            except OrionError as error:
                log.info("expired holds of %s not released: %s", sku, error)
                continue
            if result is not None:
                swept += 1
        if swept:
            log.info("released the expired checkout holds of %d stock item(s)", swept)
        return swept
