"""A store's tax settings (its VAT number, whether its prices include VAT, OSS, VIES checks and
its distance sales before Orion), and VAT quotes: what checkout would charge for given lines and
buyer, without placing anything, so that a store can check its set-up.

Settings are read from the write side (one small aggregate per store, which checkout reads too);
``ETag`` is their version (0 while the store has the defaults), which ``If-Match`` may name.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from domain.shared.errors import ValidationError
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, IfMatch, OrionDep, store_permission
from interfaces.api.tax.schemas import (
    QuoteBody,
    TaxQuote,
    TaxSettingsChange,
    TaxSettingsPublic,
    quote_answer,
)

router = APIRouter(prefix="/api/v1/stores/{store_id}", tags=["store: tax"])
CanRead = Annotated[StoreAccess, Depends(store_permission("settings", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("settings", "write"))]


@router.get("/settings/tax", response_model=TaxSettingsPublic)
def get_settings(
    store_id: UUID, orion: OrionDep, _: CanRead, response: Response
) -> TaxSettingsPublic:
    # Platform admins pass the permission check for any id: an unknown store is still a 404.
    orion.stores.get(store_id)
    found = orion.tax.settings(store_id)
    response.headers["ETag"] = f'"{found["version"]}"'
    return TaxSettingsPublic.model_validate(found)


@router.patch("/settings/tax", response_model=CommandAnswer)
def change_settings(
    store_id: UUID,
    body: TaxSettingsChange,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    values = body.model_dump(exclude_unset=True)
    if not values:
        raise ValidationError("body", "name at least one setting to change")
    result = orion.tax.change_settings(ctx, store_id, values, expected_version=version)
    return answer(result, response)


@router.post("/tax/quote", response_model=TaxQuote)
def quote(store_id: UUID, body: QuoteBody, orion: OrionDep, _: CanRead) -> TaxQuote:
    """The VAT of the lines and shipping sold to the buyer on ``date`` (today by default), as
    checkout would charge it with the store's settings now (VIES asked when they say so).
    Writes nothing."""
    taxed = orion.tax.quote(
        store_id,
        buyer_country=body.buyer.country,
        buyer_vat_number=body.buyer.vat_number,
        lines=[line.model_dump() for line in body.lines],
        shipping=body.shipping,
        date=body.date,
    )
    return quote_answer(taxed)
