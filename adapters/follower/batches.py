"""Reading the log in batches: decoded events, where a batch ends, and the paused collector."""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from domain.shared.events import event_metadata
from projections.base import EventEnvelope

# Objects allocated and still alive since the last collection (the collector's own count) above
# which a paused collector collects the young generations: a few batches' worth.
YOUNG_OBJECTS_TO_COLLECT = 100_000


class PausedCollector:
    """Pauses Python's cyclic garbage collector while batches are decoded and applied.

    A batch keeps thousands of new objects (events, rows) alive at once, and the collector,
    triggered by allocations, would walk them (and the whole heap, for its oldest generation)
    again and again: measured, a third of a rebuild's CPU. Reference counting still frees them
    once the batch is done; what the pause delays is only the collection of reference cycles,
    done between batches instead (``collect_young``). Shared by every follower and thread of
    the process, since the collector is process-wide."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()

    @staticmethod
    def collect_young() -> None:
        """Collect the cycles that the youngest generations hold (not the whole heap), once
        enough objects outlived their batch for some to be cycles. Batches make next to no
        cycles (measured: none in a rebuild of the audit log), and a collection per batch
        walked the read-ahead's batch, alive, for 14 ms each time."""
        if gc.get_count()[0] > YOUNG_OBJECTS_TO_COLLECT:
            gc.collect(1)


gc_paused = PausedCollector()


@dataclass
class Batch:
    start: int  # the position it was read after
    envelopes: list[EventEnvelope]
    end: int  # the position a follower has reached once the batch is handled
    reached_head: bool

    def only(self, topics: Sequence[str]) -> Batch:
        """The events of these topics (all when none are named), ending where this one ends."""
        if not topics:
            return self
        wanted = set(topics)
        kept = [e for e in self.envelopes if e.topic in wanted]
        return Batch(self.start, kept, self.end, self.reached_head)


@dataclass
class Undecodable:
    """In place of an event this code cannot read: its handler fails on it, saying why."""

    error: Exception


class EventLog:
    """The event log as followers read it: batches of decoded events after a position."""

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[Any]) -> None:
        self.recorder = recorder
        self.mapper = mapper

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def read(
        self, position: int, limit: int, head: int | None = None, topics: Sequence[str] = ()
    ) -> Batch:
        """Read and decode the batch after ``position``, up to ``head`` (the head as it is now
        when not given), of these topics (every event when none)."""
        if head is None:
            head = self.head()
        if position >= head:
            return Batch(position, [], head, reached_head=True)
        with gc_paused:
            notifications = self.recorder.select_notifications(
                position + 1, limit, stop=head, topics=topics
            )
            envelopes = [self.envelope(n) for n in notifications]
        # With a topic filter, a short batch means nothing else up to the head concerns us.
        reached_head = len(notifications) < limit
        end = head if reached_head else notifications[-1].id
        return Batch(position, envelopes, end, reached_head=reached_head)

    def envelope(self, notification: Notification) -> EventEnvelope:
        try:
            event = self.mapper.to_domain_event(notification)
        except Exception as error:  # an event this code cannot read: its handler will say so
            return EventEnvelope(notification.id, notification.topic, Undecodable(error), {})
        return EventEnvelope(notification.id, notification.topic, event, event_metadata(event))

    def history(self, originator_id: Any, version: int) -> list[Any]:
        """An aggregate's events up to ``version``, decoded (``Writer.history``)."""
        stored = self.recorder.select_events(originator_id, lte=version)
        return [self.mapper.to_domain_event(s) for s in stored]

    def age_after(self, position: int, at: datetime) -> float:
        """Seconds from when the first event after ``position`` was recorded until ``at`` (0
        when there is none, or it cannot be read: its handler's failure says so)."""
        pending = self.recorder.select_notifications(position + 1, 1)
        if not pending:
            return 0.0
        try:
            event: Any = self.mapper.to_domain_event(pending[0])
        except Exception:
            return 0.0
        age: float = max(0.0, (at - event.timestamp).total_seconds())
        return age
