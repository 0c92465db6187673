"""The audit API's answers: the audit log's events, an aggregate's history, and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class AuditEvent(BaseModel):
    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    event_type: str
    store_id: UUID | None
    actor: str | None
    correlation_id: str | None
    idempotency_key: str | None
    occurred_at: datetime
    data: dict[str, Any]


class AuditEventList(BaseModel):
    items: list[AuditEvent]
    next_cursor: str | None


class HistoryItem(BaseModel):
    version: int
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]


class History(BaseModel):
    aggregate_id: UUID
    items: list[HistoryItem]


class AggregateState(BaseModel):
    """The aggregate as it was: these members, then its own public state (``type`` says
    which members follow)."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    type: str
    version: int
    created_on: datetime
    modified_on: datetime
