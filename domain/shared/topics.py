"""Stable topics: what the event log calls an aggregate and each of its events.

The library would record an event under the path of its class (``domain.orders.aggregates:
Order.Placed``), so that moving the class would leave its old events unreadable, and drop them
from every projection that filters on the topic. Every aggregate class says instead, with
``stable_topics``, the name its events are recorded under (``orders:Order.Placed``), whatever
module holds it; where the class was when events were recorded under its path, ``was`` keeps
that path readable. ``topics_of`` gives every topic an event class is stored under, the filter
that projections and reactions read the log with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic

T = TypeVar("T", bound=type)

# Every class given a stable topic -> (its stable topic, the topics it was recorded under).
_TOPICS: dict[type, tuple[str, ...]] = {}


def stable_topics(context: str, *, was: str | None = None) -> Callable[[T], T]:
    """Gives an aggregate class, and every event class it holds, a topic of its own:
    ``<context>:<Aggregate>`` and ``<context>:<Aggregate>.<Event>``. ``was`` names the module
    the class lived in when the log recorded events by module path: those topics still resolve
    to it."""

    def register(aggregate: T) -> T:
        name = aggregate.__name__
        _give(aggregate, f"{context}:{name}", f"{was}:{name}" if was else None)
        for attr, value in list(vars(aggregate).items()):
            if isinstance(value, type) and issubclass(value, CanMutateAggregate):
                legacy = f"{was}:{name}.{attr}" if was else None
                _give(value, f"{context}:{name}.{attr}", legacy)
        return aggregate

    return register


def _give(cls: type, topic: str, legacy: str | None) -> None:
    # The class's own attribute (the library looks for TOPIC), never one inherited from a base.
    type.__setattr__(cls, "TOPIC", topic)
    register_topic(topic, cls)
    if legacy is not None:
        register_topic(legacy, cls)
    _TOPICS[cls] = (topic,) if legacy is None else (topic, legacy)


def topic(cls: type) -> str:
    """The topic the log records ``cls`` under now."""
    try:
        return _TOPICS[cls][0]
    except KeyError:
        raise LookupError(f"{cls.__qualname__} has no stable topic: see stable_topics") from None


def topics_of(*classes: type) -> tuple[str, ...]:
    """Every topic these event classes are stored under (today's and those they had)."""
    return tuple(t for cls in classes for t in _every(cls))


def _every(cls: type) -> Iterable[str]:
    try:
        return _TOPICS[cls]
    except KeyError:
        raise LookupError(f"{cls.__qualname__} has no stable topic: see stable_topics") from None


def registered() -> dict[type, tuple[str, ...]]:
    """Every class given a stable topic, and its topics (for the tests)."""
    return dict(_TOPICS)
