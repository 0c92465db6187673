"""Inventory jobs: the release of expired checkout holds, queued every minute by the scheduler
(``adapters.scheduler``)."""

from __future__ import annotations

from application.inventory.jobs import RELEASE_EXPIRED_HOLDS, HoldSweep
from workers.job import job


@job(RELEASE_EXPIRED_HOLDS)
def release_expired_holds(sweep: HoldSweep) -> int:
    """Records the release of the checkout holds that expired; returns how many stock items
    had some."""
    return sweep.run()
