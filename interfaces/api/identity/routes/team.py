"""A store's team: members and their roles, invitations. The last owner stays."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, IfMatch, OrionDep, read_after, store_permission
from interfaces.api.identity.routes.auth import reject_customers
from interfaces.api.identity.schemas.staff import (
    InvitationAnswer,
    InvitationCreate,
    InvitationList,
    InvitationPublic,
    MemberList,
    MemberPublic,
    RoleChange,
)
from projections.identity import queries
from projections.read import as_utc

router = APIRouter(
    prefix="/api/v1/stores/{store_id}/team",
    tags=["store: team"],
    dependencies=[Depends(reject_customers)],
)
Fresh = Annotated[int | None, Depends(read_after("team"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("team", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("team", "write"))]


def _utc(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**row, **{n: as_utc(row[n]) for n in names}}


@router.get("", response_model=MemberList)
def list_members(store_id: UUID, orion: OrionDep, _: CanRead, __: Fresh) -> MemberList:
    rows = queries.list_members(orion.read, store_id)
    return MemberList(
        items=[MemberPublic.model_validate(_utc(r, "joined_at", "updated_at")) for r in rows]
    )


@router.get("/invitations", response_model=InvitationList)
def list_invitations(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    status: Annotated[str | None, Query(pattern="^(pending|accepted|revoked)$")] = None,
) -> InvitationList:
    rows = queries.list_invitations(orion.read, store_id, status=status)
    return InvitationList(
        items=[
            InvitationPublic.model_validate(
                {**_utc(r, "expires_at", "created_at"), "id": r["invitation_id"]}
            )
            for r in rows
        ]
    )


@router.post("/invitations", status_code=201, response_model=InvitationAnswer)
def invite(
    store_id: UUID,
    body: InvitationCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    access: CanWrite,
    response: Response,
) -> InvitationAnswer:
    """Invites a person by e-mail; the single-use link goes by mail, never in this answer."""
    result = orion.teams.invite(
        ctx, store_id, email=body.email, role=body.role, by_role=access.role
    )
    done = answer(result, response)
    invitation_id = orion.teams.sent_invitation(store_id, result)
    response.headers["Location"] = f"/api/v1/stores/{store_id}/team/invitations"
    return InvitationAnswer(**done.model_dump(), invitation_id=invitation_id)


@router.delete("/invitations/{invitation_id}", response_model=CommandAnswer)
def revoke_invitation(
    store_id: UUID,
    invitation_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    access: CanWrite,
    response: Response,
) -> CommandAnswer:
    result = orion.teams.revoke_invitation(ctx, store_id, invitation_id, by_role=access.role)
    return answer(result, response)


@router.patch("/members/{user_id}", response_model=CommandAnswer)
def change_role(
    store_id: UUID,
    user_id: UUID,
    body: RoleChange,
    orion: OrionDep,
    ctx: CommandCtx,
    access: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """``If-Match`` (optional) is the team's version."""
    result = orion.teams.change_role(
        ctx, store_id, user_id, role=body.role, by_role=access.role, expected_version=version
    )
    return answer(result, response)


@router.delete("/members/{user_id}", response_model=CommandAnswer)
def remove_member(
    store_id: UUID,
    user_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    access: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    result = orion.teams.remove(
        ctx, store_id, user_id, by_role=access.role, expected_version=version
    )
    return answer(result, response)
