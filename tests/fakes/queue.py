"""An in-memory ``JobQueue`` that runs nothing by itself: it records every call, keeps each job
id once (the port's promise: a job id queued again is not queued twice), and hands the queued
jobs to whoever ``take``s them (the world runs them like a worker would)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.queue import JobQueue


@dataclass(frozen=True)
class Queued:
    func: str
    args: tuple[Any, ...]
    job_id: str | None = None
    timeout: int | None = None


class FakeJobQueue:
    def __init__(self) -> None:
        self.calls: list[Queued] = []  # every enqueue, duplicates too
        self.queued: list[Queued] = []  # waiting to be taken
        self._ids: set[str] = set()

    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        job = Queued(func, args, job_id, timeout)
        self.calls.append(job)
        if job_id is not None:
            if job_id in self._ids:
                return
            self._ids.add(job_id)
        self.queued.append(job)

    def take(self) -> list[Queued]:
        """The jobs queued since the last ``take``, in order."""
        taken, self.queued = self.queued, []
        return taken


_check: JobQueue = FakeJobQueue()
