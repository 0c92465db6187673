"""Platform admins manage the platform's users: create, list, disable, enable, grant or take
away platform admin, erase."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.identity.errors import AccountNotFoundError
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import AdminDep, CommandCtx, OrionDep, read_after
from interfaces.api.identity.routes.auth import reject_customers
from interfaces.api.identity.schemas.staff import (
    UserCreate,
    UserDisable,
    UserList,
    UserPublic,
    UserUpdate,
)
from projections.identity import queries
from projections.read import as_utc

PREFIX = "/api/v1/admin/users"
router = APIRouter(prefix=PREFIX, tags=["admin: users"], dependencies=[Depends(reject_customers)])
Fresh = Annotated[int | None, Depends(read_after("team"))]


def public(row: dict[str, Any]) -> UserPublic:
    data = {**row, "id": row["user_id"]}
    data["created_at"], data["updated_at"] = as_utc(row["created_at"]), as_utc(row["updated_at"])
    return UserPublic.model_validate(data)


@router.post("", status_code=201, response_model=CommandAnswer)
def create_user(
    body: UserCreate, orion: OrionDep, ctx: CommandCtx, _: AdminDep, response: Response
) -> CommandAnswer:
    result = orion.users.create(ctx, **body.model_dump())
    response.headers["Location"] = f"{PREFIX}/{result.id}"
    return answer(result, response)


@router.get("", response_model=UserList)
def list_users(
    orion: OrionDep,
    _: AdminDep,
    __: Fresh,
    q: Annotated[str | None, Query(max_length=254, pattern="^[^\x00]*$")] = None,
    status: Annotated[str | None, Query(pattern="^(active|disabled|erased)$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserList:
    rows, next_cursor = queries.list_users(
        orion.read, q=q, status=status, cursor=cursor, limit=limit
    )
    return UserList(items=[public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: UUID, orion: OrionDep, _: AdminDep, __: Fresh) -> UserPublic:
    row = queries.get_user(orion.read, user_id)
    if row is None:
        raise AccountNotFoundError(f"no user {user_id}", user_id=str(user_id))
    return public(row)


@router.patch("/{user_id}", response_model=CommandAnswer)
def update_user(
    user_id: UUID,
    body: UserUpdate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    response: Response,
) -> CommandAnswer:
    wanted = body.platform_admin
    if wanted is None:  # nothing asked: the same value, which writes nothing
        wanted = orion.users.get(user_id).platform_admin
    return answer(orion.users.set_platform_admin(ctx, user_id, wanted), response)


@router.post("/{user_id}/disable", response_model=CommandAnswer)
def disable_user(
    user_id: UUID,
    body: UserDisable,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    response: Response,
) -> CommandAnswer:
    """A disabled user cannot sign in, and their access tokens stop working at once."""
    return answer(orion.users.disable(ctx, user_id, reason=body.reason), response)


@router.post("/{user_id}/enable", response_model=CommandAnswer)
def enable_user(
    user_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: AdminDep,
    response: Response,
) -> CommandAnswer:
    return answer(orion.users.enable(ctx, user_id), response)


@router.delete("/{user_id}", response_model=CommandAnswer)
def erase_user(
    user_id: UUID, orion: OrionDep, ctx: CommandCtx, _: AdminDep, response: Response
) -> CommandAnswer:
    """Erases the user's personal data for good (crypto-shredding); the account stays, erased."""
    return answer(orion.users.erase(ctx, user_id, by="admin"), response)
