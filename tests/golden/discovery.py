"""Finds every event class of the domain, so that none can appear without a golden sample."""

from __future__ import annotations

import importlib
import pkgutil

from eventsourcing import domain as eventsourcing_domain
from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

import domain
from domain.identity.aggregates import _Account
from domain.shared.aggregate import OrionAggregate

# Bases that are never instantiated, so their events are never recorded.
ABSTRACT_AGGREGATES: frozenset[type] = frozenset({OrionAggregate, _Account})


def aggregate_classes() -> list[type[BaseAggregate]]:  # type: ignore[type-arg]
    found = []
    for info in pkgutil.walk_packages(domain.__path__, f"{domain.__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseAggregate)
                and value.__module__ == module.__name__
                and value not in ABSTRACT_AGGREGATES
            ):
                found.append(value)
    return found


def created_event_classes(aggregate: type) -> list[type]:
    # The library's own record of which "created" classes an aggregate uses. Every aggregate also
    # gets a default ``Created`` class inherited from its base; when the aggregate declares its
    # own (``Store.Registered``), that default is never recorded and needs no sample.
    registry = getattr(eventsourcing_domain, "_created_event_classes", None)
    assert registry is not None, "eventsourcing changed: update tests/golden/discovery.py"
    return list(registry[aggregate])


def event_classes() -> dict[str, type]:
    """Every event class an aggregate of ``domain/`` can record, by topic."""
    classes: dict[str, type] = {}
    for aggregate in aggregate_classes():
        created = created_event_classes(aggregate)
        for value in vars(aggregate).values():
            if not (isinstance(value, type) and issubclass(value, CanMutateAggregate)):
                continue
            if value is vars(aggregate).get("Event"):  # the aggregate's base event class
                continue
            if issubclass(value, CanInitAggregate) and value not in created:
                continue
            classes[get_topic(value)] = value
    return classes
