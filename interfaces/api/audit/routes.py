"""Auditors: the audit log, an aggregate's history, and its state at a version or a moment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from application.audit.app import AuditService
from interfaces.api.common import QueryDateTime
from interfaces.api.deps import AdminDep, OrionDep, read_after
from projections.audit import queries

router = APIRouter(prefix="/api/v1/admin/audit", tags=["admin: audit"])
Fresh = Annotated[int | None, Depends(read_after("audit_log"))]
# The event store keeps versions in a 64-bit integer column (bigint).
MAX_VERSION = 2**63 - 1


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


@router.get("/events", response_model=AuditEventList)
def list_events(
    orion: OrionDep,
    _: AdminDep,
    __: Fresh,
    store_id: UUID | None = None,
    aggregate_id: UUID | None = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    type: Annotated[str | None, Query(max_length=128)] = None,
    since: QueryDateTime | None = None,
    until: QueryDateTime | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditEventList:
    rows, next_cursor = queries.list_events(
        orion.read,
        store_id=store_id,
        aggregate_id=aggregate_id,
        actor=actor,
        event_type=type,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return AuditEventList(
        items=[AuditEvent.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get("/aggregates/{aggregate_id}/events", response_model=History)
def aggregate_events(aggregate_id: UUID, orion: OrionDep, _: AdminDep) -> History:
    history = AuditService(orion.app).history(aggregate_id)
    return History(
        aggregate_id=aggregate_id,
        items=[HistoryItem.model_validate(h, from_attributes=True) for h in history],
    )


@router.get("/aggregates/{aggregate_id}/state", response_model=AggregateState)
def aggregate_state(
    aggregate_id: UUID,
    orion: OrionDep,
    _: AdminDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
    at: QueryDateTime | None = None,
) -> AggregateState:
    state = AuditService(orion.app).state(aggregate_id, version=version, at=at)
    return AggregateState.model_validate(state)
