"""Inventory jobs: the release of expired checkout holds, run every minute by the scheduler
(``adapters.scheduler``)."""

from __future__ import annotations

from application.inventory.jobs import HoldSweep
from workers.runtime import get_runtime

HOLD_SWEEP = "inventory.hold_sweep"


def release_expired_holds() -> int:
    """The job: records the release of the checkout holds that expired; returns how many stock
    items had some."""
    sweep = get_runtime().services.get(HOLD_SWEEP)
    if not isinstance(sweep, HoldSweep):
        # A bare ``rq worker`` has no application: the job needs ``orion worker``.
        raise RuntimeError("release_expired_holds needs the application: run it by orion worker")
    return sweep.run()
