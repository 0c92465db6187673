"""Given events → command → expected events or error: the shape of every domain test.

``given`` replays a history of events (stated without their envelope) into an aggregate, the way
the repository does; the test then runs one command and states what ``new_events`` it recorded,
or uses ``rejected`` to check the error and that the command changed nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from eventsourcing.domain import CanInitAggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.shared.aggregate import OrionAggregate

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
# The event attributes the library sets: a test states only what the domain decides.
ENVELOPE = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "_meta"}
)

E = TypeVar("E", bound=BaseException)


def at(minutes: int) -> datetime:
    """A fixed point in time, ``minutes`` after T0: aggregates never read the clock."""
    return T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Ev:
    """An event without its envelope (id, version, timestamp, topic)."""

    cls: type[Any]
    attrs: dict[str, Any]


def ev(cls: type[Any], **attrs: Any) -> Ev:
    return Ev(cls, attrs)


def aggregate_class_of(event_class: type[Any]) -> type[OrionAggregate]:
    module, _, qualname = get_topic(event_class).partition(":")
    cls: type[OrionAggregate] = resolve_topic(f"{module}:{qualname.rsplit('.', 1)[0]}")
    return cls


def given(aggregate_id: UUID, *history: Ev) -> Any:
    """The aggregate that these events make, replayed in order (version n at ``at(n)``)."""
    aggregate: Any = None
    for version, step in enumerate(history, start=1):
        envelope: dict[str, Any] = {
            "originator_id": aggregate_id,
            "originator_version": version,
            "timestamp": at(version),
        }
        if issubclass(step.cls, CanInitAggregate):
            envelope["originator_topic"] = get_topic(aggregate_class_of(step.cls))
        aggregate = step.cls(**envelope, **step.attrs).mutate(aggregate)
    assert aggregate is not None, "given() needs at least the creation event"
    return aggregate


def new_events(aggregate: OrionAggregate) -> list[Ev]:
    """The events the last command(s) recorded, without their envelope."""
    return [
        Ev(type(event), {k: v for k, v in vars(event).items() if k not in ENVELOPE})
        for event in aggregate.collect_events()
    ]


def rejected(aggregate: OrionAggregate, command: Callable[[], object], error: type[E]) -> E:
    """Runs a command that must fail; checks that it recorded nothing and changed nothing."""
    before = aggregate.as_dict()
    with pytest.raises(error) as raised:
        command()
    assert aggregate.collect_events() == [], "a rejected command must record no event"
    assert aggregate.as_dict() == before, "a rejected command must change nothing"
    return raised.value
