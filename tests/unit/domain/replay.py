"""Checks that a live aggregate and its recorded events agree, at the head and at every version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Recording

from application.platform import OrionApplication
from domain.shared.aggregate import OrionAggregate


def in_memory_app() -> OrionApplication:
    return OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


class Recorder:
    """Saves an aggregate after each command and keeps its state at every version."""

    def __init__(self, aggregate: OrionAggregate) -> None:
        self.app = in_memory_app()
        self.aggregate = aggregate
        self.recordings: list[Recording[Any]] = []
        self.states: dict[int, dict[str, Any]] = {}
        self.save()

    def save(self) -> None:
        recordings = self.app.save(self.aggregate)
        # Each command records at most one event here, so the state after a command is the
        # state at that version: nothing in between goes unchecked.
        assert len(recordings) <= 1
        self.recordings += recordings
        if recordings:
            self.states[self.aggregate.version] = self.aggregate.as_dict()

    def assert_replays(self) -> None:
        live = self.aggregate.as_dict()
        # (a) the live events, mutated in order, make the same aggregate...
        events: Sequence[Any] = [r.domain_event for r in self.recordings]
        replayed: Any = None
        for event in events:
            replayed = event.mutate(replayed)
        assert replayed.as_dict() == live
        # ...and so do the stored (JSON-encoded) ones, read back by the repository.
        assert self.app.repository.get(self.aggregate.id).as_dict() == live
        # (b) every past version is the state the aggregate had right after that event.
        assert sorted(self.states) == list(range(1, self.aggregate.version + 1))
        for version, state in self.states.items():
            assert self.app.repository.get(self.aggregate.id, version=version).as_dict() == state
