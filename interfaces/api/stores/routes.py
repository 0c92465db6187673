"""Platform admins' store management."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.stores.errors import StoreNotFoundError
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import AdminDep, CommandCtx, IfMatch, OrionDep, read_after
from interfaces.api.stores.schemas import (
    StoreCreate,
    StoreList,
    StorePublic,
    StoreSuspend,
    StoreUpdate,
)
from projections.read import as_utc
from projections.stores import queries

router = APIRouter(prefix="/api/v1/admin/stores", tags=["admin: stores"])
Fresh = Annotated[int | None, Depends(read_after("stores"))]


def public(row: dict[str, Any]) -> StorePublic:
    data = {**row, "id": row["store_id"]}
    data["created_at"], data["updated_at"] = as_utc(row["created_at"]), as_utc(row["updated_at"])
    return StorePublic.model_validate(data)


@router.post("", status_code=201, response_model=CommandAnswer)
def create_store(
    body: StoreCreate, orion: OrionDep, ctx: CommandCtx, _: AdminDep, response: Response
) -> CommandAnswer:
    result = orion.stores.register(ctx, **body.model_dump())
    response.headers["Location"] = f"/api/v1/admin/stores/{result.id}"
    return answer(result, response)


@router.get("", response_model=StoreList)
def list_stores(
    orion: OrionDep,
    _: AdminDep,
    __: Fresh,
    status: Annotated[str | None, Query(pattern="^(active|suspended)$")] = None,
    q: Annotated[str | None, Query(max_length=100, pattern="^[^\x00]*$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StoreList:
    rows, next_cursor = queries.list_stores(
        orion.read, status=status, q=q, cursor=cursor, limit=limit
    )
    return StoreList(items=[public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{store_id}", response_model=StorePublic)
def get_store(store_id: UUID, orion: OrionDep, _: AdminDep, __: Fresh) -> StorePublic:
    row = queries.get_store(orion.read, store_id)
    if row is None:
        raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
    return public(row)


@router.patch("/{store_id}", response_model=CommandAnswer)
def update_store(
    store_id: UUID,
    body: StoreUpdate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    result = orion.stores.change_details(
        ctx, store_id, **body.model_dump(exclude_unset=True), expected_version=version
    )
    return answer(result, response)


@router.post("/{store_id}/suspend", response_model=CommandAnswer)
def suspend_store(
    store_id: UUID,
    body: StoreSuspend,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    result = orion.stores.suspend(ctx, store_id, reason=body.reason, expected_version=version)
    return answer(result, response)


@router.post("/{store_id}/reactivate", response_model=CommandAnswer)
def reactivate_store(
    store_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    result = orion.stores.reactivate(ctx, store_id, expected_version=version)
    return answer(result, response)
