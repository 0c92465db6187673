"""Auditors: the audit log, an aggregate's history, and its state at a version or a moment."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from application.audit.app import AuditService
from interfaces.api.audit.schemas import (
    AggregateState,
    AuditEvent,
    AuditEventList,
    History,
    HistoryItem,
)
from interfaces.api.common import QueryDateTime
from interfaces.api.deps import AdminDep, OrionDep, read_after
from projections.audit import queries

router = APIRouter(prefix="/api/v1/admin/audit", tags=["admin: audit"])
Fresh = Annotated[int | None, Depends(read_after("audit_log"))]
# The event store keeps versions in a 64-bit integer column (bigint).
MAX_VERSION = 2**63 - 1


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
