"""A clock for the in-memory world: every reading is one second after the last, so that the
commands of a test get distinct, increasing times, as they would in production; ``advance``
jumps ahead (a hold or a payment running out, a token expiring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import Clock
from tests.unit.domain.scenario import T0


@dataclass
class TickingClock:
    now_: datetime = T0
    readings: int = 0

    def now(self) -> datetime:
        self.readings += 1
        self.now_ += timedelta(seconds=1)
        return self.now_

    def advance(self, **delta: float) -> None:
        self.now_ += timedelta(**delta)


_check: Clock = TickingClock()
