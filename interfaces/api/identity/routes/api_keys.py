"""A store's API keys for integrations: each acts with one role, in its own store only."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, OrionDep, read_after, store_permission
from interfaces.api.identity.routes.auth import reject_customers
from interfaces.api.identity.schemas.staff import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyPublic,
)
from projections.identity import queries
from projections.read import as_utc

router = APIRouter(
    prefix="/api/v1/stores/{store_id}/api-keys",
    tags=["store: API keys"],
    dependencies=[Depends(reject_customers)],
)
Fresh = Annotated[int | None, Depends(read_after("team"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("team", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("team", "write"))]


def public(row: dict[str, Any]) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(
        {
            **row,
            "id": row["key_id"],
            "created_at": as_utc(row["created_at"]),
            "revoked_at": as_utc(row["revoked_at"]),
        }
    )


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_key(
    store_id: UUID,
    body: ApiKeyCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    access: CanWrite,
    response: Response,
) -> ApiKeyCreated:
    """The answer holds the key, shown this once: only its hash and prefix are kept."""
    made = orion.teams.create_api_key(
        ctx, store_id, name=body.name, role=body.role, by_role=access.role
    )
    done = answer(made.result, response)
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(
        **done.model_dump(), token=made.token, prefix=made.prefix, name=made.name, role=made.role
    )


@router.get("", response_model=ApiKeyList)
def list_keys(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    include_revoked: Annotated[bool, Query()] = False,
) -> ApiKeyList:
    rows = queries.list_api_keys(orion.read, store_id, include_revoked=include_revoked)
    return ApiKeyList(items=[public(r) for r in rows])


@router.delete("/{key_id}", response_model=CommandAnswer)
def revoke_key(
    store_id: UUID,
    key_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """The key stops working at once (every request checks it against the event store)."""
    return answer(orion.teams.revoke_api_key(ctx, store_id, key_id), response)
