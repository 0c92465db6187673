"""A store's shipping rates (its team's side), and the shop's quotes for the shopper's cart.

The team's lists read the shipping read model (``min_position`` reads its own writes); the
quotes are a use case over the store's rates as checkout will charge them, from the write side.
(The store's commerce settings are the orders context's: ``orders/routes/settings.py``.)"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.shipping.errors import ShippingRateNotFoundError
from domain.stores.values import check_country
from interfaces.api.auth import StoreAccess
from interfaces.api.cart.routes import ShopperDep, cart_view
from interfaces.api.common import CommandAnswer, CountryCode, answer
from interfaces.api.deps import CommandCtx, OrionDep, read_after, store_permission
from interfaces.api.shipping.schemas import (
    Quote,
    Quotes,
    RateAnswer,
    RateBody,
    RateList,
    RatePublic,
)
from interfaces.bootstrap import Orion
from projections.shipping import queries
from projections.shipping.projector import NAME as SHIPPING_RATES

rates = APIRouter(prefix="/api/v1/stores/{store_id}/shipping-rates", tags=["store: shipping"])
shop = APIRouter(prefix="/api/v1/shop/{store_code}/shipping-rates", tags=["shop: shipping"])
CanRead = Annotated[StoreAccess, Depends(store_permission("settings", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("settings", "write"))]
Fresh = Annotated[int | None, Depends(read_after(SHIPPING_RATES))]


def _existing_store(orion: Orion, store_id: UUID) -> None:
    # Platform admins pass the permission check for any id: an unknown store is still a 404.
    orion.stores.get(store_id)


def _spec(body: RateBody) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


def _public(row: dict[str, Any]) -> RatePublic:
    return RatePublic(id=row["rate_id"], **{k: v for k, v in row.items() if k != "rate_id"})


# -- shipping rates -------------------------------------------------------------------------


@rates.get("", response_model=RateList)
def list_rates(store_id: UUID, orion: OrionDep, _: CanRead, __: Fresh) -> RateList:
    """By name; ``version`` is the version of the store's rates (0: none ever set)."""
    _existing_store(orion, store_id)
    rows, version = queries.list_rates(orion.read, store_id)
    return RateList(items=[_public(r) for r in rows], version=version)


@rates.get("/{rate_id}", response_model=RatePublic)
def get_rate(store_id: UUID, rate_id: UUID, orion: OrionDep, _: CanRead, __: Fresh) -> RatePublic:
    _existing_store(orion, store_id)
    row = queries.get_rate(orion.read, store_id, rate_id)
    if row is None:
        raise ShippingRateNotFoundError(f"no shipping rate {rate_id}", rate_id=str(rate_id))
    return _public(row)


@rates.post("", status_code=201, response_model=RateAnswer)
def add_rate(
    store_id: UUID,
    body: RateBody,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> RateAnswer:
    result, rate_id = orion.shipping.set_rate(ctx, store_id, spec=_spec(body))
    response.headers["Location"] = f"/api/v1/stores/{store_id}/shipping-rates/{rate_id}"
    return RateAnswer(**answer(result, response).model_dump(), rate_id=rate_id)


@rates.put("/{rate_id}", response_model=RateAnswer)
def replace_rate(
    store_id: UUID,
    rate_id: UUID,
    body: RateBody,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> RateAnswer:
    result, _rate = orion.shipping.set_rate(ctx, store_id, spec=_spec(body), rate_id=rate_id)
    return RateAnswer(**answer(result, response).model_dump(), rate_id=rate_id)


@rates.delete("/{rate_id}", response_model=CommandAnswer)
def remove_rate(
    store_id: UUID,
    rate_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    return answer(orion.shipping.remove_rate(ctx, store_id, rate_id), response)


# -- the shop's quotes ----------------------------------------------------------------------


@shop.get("", response_model=Quotes)
def quotes(
    who: ShopperDep,
    orion: OrionDep,
    response: Response,
    country: Annotated[CountryCode, Query(min_length=2, max_length=2)],
) -> Quotes:
    """What each rate that ships to ``country`` would charge for the shopper's cart (the
    customer's, or the guest's by ``X-Cart-Token``), cheapest first."""
    destination = check_country(country)
    view = cart_view(orion, who)
    found = orion.shipping.rates(who.store_id)
    offered = (
        found.quotes(
            country=destination, subtotal=view["subtotal"], weight_grams=view["weight_grams"]
        )
        if found
        else []
    )
    response.headers["Cache-Control"] = "private, no-store"
    return Quotes(
        country=destination,
        currency=view["currency"],
        subtotal=view["subtotal"],
        weight_grams=view["weight_grams"],
        rates=[Quote.model_validate(q) for q in offered],
    )


router = APIRouter()
for sub in (rates, shop):
    router.include_router(sub)
