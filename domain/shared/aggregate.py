"""The base of Orion's aggregates.

Events are triggered with an explicit ``timestamp`` that the application takes from its injectable
clock, so the domain never reads the time itself. Event state holds only JSON-friendly primitives
(str, int, bool, None, lists and dicts of them, UUIDs and datetimes): events are forever, and
primitives survive refactoring of the value classes.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate

# Values a copy can share with its original: nothing can change them in place.
_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes, UUID, datetime, date, Decimal})


class OrionAggregate(Aggregate):
    """Adds the timestamped trigger and a plain-dict view of state for auditors."""

    def _trigger(self, event_class: type[Aggregate.Event], at: datetime, **attrs: Any) -> None:
        self.trigger_event(event_class, timestamp=at, **attrs)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy whose dicts and lists are its own, sharing the immutable values inside.

        The library deep-copies every aggregate it serves from its cache, so that a command that
        fails half-way cannot corrupt the cached one. ``copy.deepcopy`` rebuilds every UUID and
        datetime through the pickle protocol: 195 µs for a stock item with 40 open
        reservations, against 15 µs here. Anything but dicts, lists and immutable values (value
        objects, say) is still deep-copied."""
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({k: _copied(v, memo) for k, v in self.__dict__.items()})
        return new

    def as_dict(self) -> dict[str, Any]:
        """The aggregate's public state, for audit answers and replay comparisons."""
        state: dict[str, Any] = {
            "id": str(self.id),
            "type": type(self).__name__,
            "version": self.version,
            "created_on": self.created_on.isoformat(),
            "modified_on": self.modified_on.isoformat(),
        }
        for key, value in vars(self).items():
            if not key.startswith("_"):
                state[key] = _plain(value)
        return state


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    return value


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict:  # keys are hashable, so immutable in practice
        return {k: _copied(v, memo) for k, v in value.items()}
    if kind is list:
        return [_copied(v, memo) for v in value]
    return copy.deepcopy(value, memo)
