"""The audit log: every event of every aggregate, with who did it and in which request."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from sqlalchemy import MetaData, Table

from domain.shared.events import event_data
from domain.stores.aggregates import Store
from projections.audit.tables import define_tables
from projections.base import EventEnvelope, Projection
from projections.writer import Writer


@lru_cache(maxsize=4096)
def _store_uuid(value: UUID | str) -> UUID:
    """Metadata carries the store id as text; a few stores stand behind most events."""
    return value if isinstance(value, UUID) else UUID(value)


class AuditProjection(Projection):
    name = "audit_log"
    topics = ()  # every event

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        aggregate_type, _, event_type = envelope.event_type.rpartition(".")
        store_id = envelope.meta.get("store_id")
        if store_id is None and isinstance(e, Store.Event):
            store_id = e.originator_id  # a store's own events belong to it
        w.insert(
            "events",
            {
                "position": envelope.position,
                "aggregate_id": e.originator_id,
                "aggregate_type": aggregate_type or event_type,
                "version": e.originator_version,
                "event_type": envelope.event_type,
                "store_id": _store_uuid(store_id) if store_id else None,
                "actor": envelope.meta.get("actor"),
                "correlation_id": envelope.meta.get("correlation_id"),
                "idempotency_key": envelope.meta.get("idempotency_key"),
                "occurred_at": e.timestamp,
                "data": event_data(e),
            },
        )
