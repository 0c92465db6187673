"""Auditors' use cases: an aggregate's history, and its state at any version or moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.platform import OrionApplication
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.events import event_data, event_metadata


class AggregateNotFoundError(NotFoundError):
    code = "aggregate_not_found"


@dataclass(frozen=True)
class HistoricEvent:
    version: int
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]


class AuditService:
    def __init__(self, app: OrionApplication) -> None:
        self.app = app

    def history(self, aggregate_id: UUID) -> list[HistoricEvent]:
        events: list[Any] = list(self.app.events.get(aggregate_id))
        if not events:
            raise AggregateNotFoundError(f"no aggregate {aggregate_id}")
        return [
            HistoricEvent(
                version=e.originator_version,
                event_type=type(e).__qualname__,
                occurred_at=e.timestamp,
                data=event_data(e),
                metadata=event_metadata(e),
            )
            for e in events
        ]

    def state(
        self, aggregate_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """Rebuild the aggregate from its events, up to ``version`` or as it was at ``at``."""
        if version is not None and at is not None:
            raise ValidationError("at", "give either version or at, not both")
        if version is not None and version < 1:
            raise ValidationError("version", "must be 1 or more")
        if at is not None:
            if at.tzinfo is None:
                raise ValidationError("at", "must carry a time zone, e.g. 2026-01-31T12:00:00Z")
            version = None
            event: Any
            for event in self.app.events.get(aggregate_id):
                if event.timestamp > at:
                    break
                version = event.originator_version
            if version is None:
                raise AggregateNotFoundError(f"aggregate {aggregate_id} did not exist at {at}")
        events: list[Any] = list(self.app.events.get(aggregate_id, lte=version))
        if not events:
            raise AggregateNotFoundError(f"no aggregate {aggregate_id}")
        if version is not None and events[-1].originator_version < version:
            raise ValidationError(
                "version", f"the aggregate has only {events[-1].originator_version} versions"
            )
        aggregate: Any = None
        for event in events:
            aggregate = event.mutate(aggregate)
        if not isinstance(aggregate, OrionAggregate):
            raise AggregateNotFoundError(f"no aggregate {aggregate_id}")
        return aggregate.as_dict()
