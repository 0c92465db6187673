"""The scheduler: queues periodic jobs (the payment timeout and the release of expired checkout
holds, every minute) through the job queue.

It runs beside the reactions, in every process that follows the log (``orion projections run``,
or the API on the embedded default), so several may run at once. Each run of a job gets the id
of its time slot (``scheduled-<name>-<slot>``): RQ refuses an id it already holds and the
in-process queue remembers the ids it ran, so a slot's job is queued once however many
schedulers there are. A job's work is idempotent anyway (cancelling an overdue order twice is
refused by the aggregate; a hold released once is gone).

The first run is at the next slot boundary, not at start: a process that restarts does not
queue a burst of jobs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from adapters.queue import JobQueue
from application.inventory.jobs import RELEASE_EXPIRED_HOLDS
from application.orders.jobs import CANCEL_OVERDUE_ORDERS

log = logging.getLogger("orion.scheduler")


@dataclass(frozen=True)
class Schedule:
    name: str
    func: str  # a job's name, as the queue takes it
    every_seconds: float


PAYMENT_TIMEOUT = Schedule("payment-timeout", CANCEL_OVERDUE_ORDERS, 60.0)
EXPIRED_HOLDS = Schedule("expired-holds", RELEASE_EXPIRED_HOLDS, 60.0)
DEFAULT_SCHEDULES = (PAYMENT_TIMEOUT, EXPIRED_HOLDS)


class Scheduler:
    def __init__(
        self,
        queue: JobQueue,
        schedules: Sequence[Schedule] = DEFAULT_SCHEDULES,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.queue = queue
        self.schedules = tuple(schedules)
        self.wall_clock = wall_clock
        self._last: dict[str, int] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _slot(self, schedule: Schedule, now: float) -> int:
        return int(now // schedule.every_seconds)

    def tick(self, now: float | None = None) -> list[str]:
        """Queue every job whose slot has come since the last tick; returns their job ids."""
        now = self.wall_clock() if now is None else now
        queued = []
        for schedule in self.schedules:
            slot = self._slot(schedule, now)
            last = self._last.get(schedule.name)
            if last is None:  # started just now: the first run is at the next boundary
                self._last[schedule.name] = slot
                continue
            if slot <= last:
                continue
            self._last[schedule.name] = slot
            job_id = f"scheduled-{schedule.name}-{slot}"
            try:
                self.queue.enqueue(schedule.func, job_id=job_id)
            except Exception:  # Redis away for a moment: the next slot queues it again
                log.exception("could not queue %s", job_id)
                continue
            queued.append(job_id)
        return queued

    def _wait_seconds(self, now: float) -> float:
        """Until the nearest slot boundary (a little after, so the slot has turned)."""
        waits = [(self._slot(s, now) + 1) * s.every_seconds - now for s in self.schedules] or [60.0]
        return max(min(waits), 0.0) + 0.05

    def start(self) -> None:
        if self._thread is not None or not self.schedules:
            return
        self._stopping.clear()
        self.tick()
        self._thread = threading.Thread(target=self._loop, name="orion-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.wait(self._wait_seconds(self.wall_clock())):
            try:
                self.tick()
            except Exception:  # never let the thread die of one tick
                log.exception("scheduler tick failed")
