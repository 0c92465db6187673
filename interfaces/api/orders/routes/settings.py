"""A store's commerce settings (its team's side): how long checkout holds stock, and how long
an order waits for its payment. Read from the write side: one small aggregate per store, which
checkout reads too."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from domain.shared.errors import ValidationError
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, OrionDep, store_permission
from interfaces.api.orders.schemas.settings import CommerceSettingsChange, CommerceSettingsPublic

router = APIRouter(prefix="/api/v1/stores/{store_id}/settings/commerce", tags=["store: settings"])
CanRead = Annotated[StoreAccess, Depends(store_permission("settings", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("settings", "write"))]


@router.get("", response_model=CommerceSettingsPublic)
def get_settings(store_id: UUID, orion: OrionDep, _: CanRead) -> CommerceSettingsPublic:
    # Platform admins pass the permission check for any id: an unknown store is still a 404.
    orion.stores.get(store_id)
    return CommerceSettingsPublic.model_validate(orion.commerce.settings(store_id))


@router.patch("", response_model=CommandAnswer)
def change_settings(
    store_id: UUID,
    body: CommerceSettingsChange,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    values = body.model_dump(exclude_unset=True)
    if not values:
        raise ValidationError("body", "name at least one setting to change")
    return answer(orion.commerce.change_settings(ctx, store_id, values), response)
