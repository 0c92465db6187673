"""The base of Orion's aggregates.

Events are triggered with an explicit ``timestamp`` that the application takes from its injectable
clock, so the domain never reads the time itself. Event state holds only JSON-friendly primitives
(str, int, bool, None, lists and dicts of them, UUIDs and datetimes): events are forever, and
primitives survive refactoring of the value classes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate


class OrionAggregate(Aggregate):
    """Adds the timestamped trigger and a plain-dict view of state for auditors."""

    def _trigger(self, event_class: type[Aggregate.Event], at: datetime, **attrs: Any) -> None:
        self.trigger_event(event_class, timestamp=at, **attrs)

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
