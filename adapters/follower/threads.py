"""The follower's background threads: each steps its group of handlers, woken by commits and
NOTIFYs, polling as well, and stepping at most every ``gather`` seconds under a stream."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("orion.follower")

# One step of a group of handlers: (events handled, whether a batch stopped short of the head).
Step = Callable[[list[str]], tuple[int, bool]]


class Threads:
    def __init__(self, step: Step, name: str) -> None:
        self.step = step
        self.name = name
        self._wakeups: list[threading.Event] = []
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self, groups: Sequence[tuple[list[str], float, str]], poll_interval: float) -> None:
        """A thread per group: (its handlers, its gather seconds, a suffix for its name)."""
        if self._threads:
            return
        self.stopping.clear()
        for names, gather, suffix in groups:
            wakeup = threading.Event()
            self._wakeups.append(wakeup)
            thread = threading.Thread(
                target=self._loop,
                args=(names, wakeup, gather, poll_interval),
                name=self.name + suffix,
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for wakeup in self._wakeups:
            wakeup.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self._wakeups.clear()

    def wake(self) -> None:
        for wakeup in list(self._wakeups):
            wakeup.set()

    def _loop(
        self, names: list[str], wakeup: threading.Event, gather: float, poll_interval: float
    ) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                applied, behind = self.step(names)
            except Exception:  # a bug in the follower itself: log it and keep following
                log.exception("%s: step failed", self.name)
                applied, behind = 0, False
            if applied == 0:
                # Poll as well as waiting for a wake-up, so a lost notification cannot stall us.
                wakeup.wait(poll_interval)
                wakeup.clear()
            elif gather and not behind:
                # Under a stream of commands, a step per command costs each handler a
                # transaction per command; stepping at most every ``gather`` seconds lets a
                # step take what arrived meanwhile. After a quiet spell, a new event is
                # taken at once.
                self.stopping.wait(max(0.0, started + gather - time.monotonic()))
