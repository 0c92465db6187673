"""The store's inventory: stock levels, a SKU's stock per location and its ledger, movements
(receive, adjust, count), low-stock thresholds, and the store's locations.

Lists come from the inventory read model (``min_position`` reads your writes), as at the time
of the request: a checkout hold stops counting when it expires, before the log records its
release. A SKU's detail comes from its stock items themselves.

A SKU is one path segment: one that contains ``/`` is sent with it percent-encoded
(``/items/BOX%2Fledger`` is the SKU ``BOX/ledger``; ``/items/BOX/ledger`` the ledger of ``BOX``).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from application.inventory.app import DEFAULT_LOCATION_CODE, default_location_id
from domain.shared.errors import NotFoundError, ValidationError
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, OrionDep, read_after, store_permission
from interfaces.api.inventory.schemas import (
    Adjust,
    Count,
    ItemAtLocation,
    ItemDetail,
    Ledger,
    LedgerEntry,
    LocationAnswer,
    LocationCreate,
    LocationList,
    LocationPublic,
    Receive,
    StockLevel,
    StockLevelList,
    Threshold,
)
from interfaces.api.paths import segment
from interfaces.bootstrap import Orion
from projections.inventory import queries

router = APIRouter(prefix="/api/v1/stores/{store_id}/inventory", tags=["store: inventory"])
Fresh = Annotated[int | None, Depends(read_after("inventory"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("inventory", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("inventory", "write"))]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=200)]


def _check_sku(sku: str) -> str:
    if not sku.strip() or len(sku) > 64 or "\x00" in sku:
        raise ValidationError("sku", "must be a SKU of 1-64 characters")
    return sku.strip()


def _unknown_sku(sku: str) -> NotFoundError:
    return NotFoundError(f"no product with SKU {sku!r} in this store", sku=sku)


def _product_of(orion: Orion, store_id: UUID, sku: str) -> tuple[UUID, str, str] | None:
    """(product id, title, the SKU as the product spells it) of the product that has ``sku``."""
    found = orion.catalog.product_for_sku(store_id, sku)
    if found is None:
        return None
    product, variant = found
    return product.id, product.title, variant.sku


def _locations(orion: Orion, store_id: UUID) -> list[dict[str, Any]]:
    """The store's locations, default first; before any, the implicit default one."""
    found = orion.inventory.locations(store_id)
    if found is None:
        return [_implicit_default(store_id)]
    return [
        {"id": i, **found.items[i], "is_default": i == found.default_id} for i in found.in_order()
    ]


def _implicit_default(store_id: UUID) -> dict[str, Any]:
    # What the first stock movement creates: the same id, code and name.
    return {
        "id": default_location_id(store_id),
        "code": DEFAULT_LOCATION_CODE,
        "name": "Main",
        "is_default": True,
    }


# -- levels and the ledger --------------------------------------------------------------------


@router.get("", response_model=StockLevelList)
def list_stock_levels(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    low: bool = False,
    out_of_stock: bool = False,
    sku: Annotated[str | None, Query(max_length=64, pattern="^[^\x00]*$")] = None,
    location_id: UUID | None = None,
    q: Annotated[str | None, Query(max_length=200, pattern="^[^\x00]*$")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StockLevelList:
    """Stock per location and SKU, by SKU. ``low``: at or under the item's low-stock threshold;
    ``out_of_stock``: nothing available; ``q``: part of the SKU or words of the title."""
    rows, next_cursor = queries.list_levels(
        orion.read,
        store_id,
        now=orion.clock.now(),
        low=low,
        out_of_stock=out_of_stock,
        sku=sku,
        location_id=location_id,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return StockLevelList(
        items=[StockLevel.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get(f"/items/{segment('sku')}/ledger", response_model=Ledger)
def stock_ledger(
    store_id: UUID,
    sku: str,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    location_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Ledger:
    """Every movement of a SKU (newest first): its kind, reason, order, actor, and the on-hand
    and reserved quantities right after it."""
    sku = _check_sku(sku)
    rows, next_cursor = queries.ledger(
        orion.read, store_id, sku, location_id=location_id, cursor=cursor, limit=limit
    )
    product = _product_of(orion, store_id, sku)
    if not rows and product is None and cursor is None:
        raise _unknown_sku(sku)
    spelt = product[2] if product else rows[0]["sku"] if rows else sku
    return Ledger(
        sku=spelt,
        items=[LedgerEntry.model_validate(r) for r in rows],
        next_cursor=next_cursor,
    )


@router.put(f"/items/{segment('sku')}/threshold", response_model=CommandAnswer)
def set_threshold(
    store_id: UUID,
    sku: str,
    body: Threshold,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """The low-stock threshold of a SKU at a location (the default one if not named)."""
    result = orion.inventory.set_threshold(
        ctx,
        store_id,
        sku=_check_sku(sku),
        threshold=body.low_stock_threshold,
        location_id=body.location_id,
    )
    return answer(result, response)


@router.get(f"/items/{segment('sku')}", response_model=ItemDetail)
def stock_item(store_id: UUID, sku: str, orion: OrionDep, _: CanRead) -> ItemDetail:
    """A SKU's stock at every location, from its stock items: exact at this instant."""
    sku = _check_sku(sku)
    now = orion.clock.now()
    product = _product_of(orion, store_id, sku)
    items = {item.location_id: item for item in orion.inventory.items(store_id, sku)}
    if product is None and not items:
        raise _unknown_sku(sku)
    places = []
    for location in _locations(orion, store_id):
        item = items.get(location["id"])
        on_hand = item.on_hand if item else 0
        reserved = item.reserved(now) if item else 0
        threshold = item.low_stock_threshold if item else 0
        available = max(on_hand - reserved, 0)
        places.append(
            ItemAtLocation(
                location_id=location["id"],
                location_code=location["code"],
                location_name=location["name"],
                is_default=location["is_default"],
                stock_item_id=item.id if item else None,
                on_hand=on_hand,
                reserved=reserved,
                available=available,
                low_stock_threshold=threshold,
                is_low=available <= threshold,
                version=item.version if item else 0,
            )
        )
    spelt = product[2] if product else next(iter(items.values())).sku
    return ItemDetail(
        sku=spelt,
        product_id=product[0] if product else None,
        title=product[1] if product else None,
        on_hand=sum(p.on_hand for p in places),
        reserved=sum(p.reserved for p in places),
        available=sum(p.available for p in places),
        locations=places,
    )


# -- movements --------------------------------------------------------------------------------


@router.post("/receive", response_model=CommandAnswer)
def receive_stock(
    store_id: UUID,
    body: Receive,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """Goods in: on hand grows by ``quantity`` at the location (the default one if not named)."""
    result = orion.inventory.receive(
        ctx,
        store_id,
        sku=body.sku,
        quantity=body.quantity,
        reference=body.reference,
        location_id=body.location_id,
    )
    return answer(result, response)


@router.post("/adjust", response_model=CommandAnswer)
def adjust_stock(
    store_id: UUID,
    body: Adjust,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """On hand changes by ``delta`` for a reason; what is reserved cannot be taken out (409
    saying how many can)."""
    result = orion.inventory.adjust(
        ctx,
        store_id,
        sku=body.sku,
        delta=body.delta,
        reason=body.reason,
        note=body.note,
        location_id=body.location_id,
    )
    return answer(result, response)


@router.post("/count", response_model=CommandAnswer)
def count_stock(
    store_id: UUID,
    body: Count,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """A stock count: on hand becomes what was counted (an adjustment with reason "count")."""
    result = orion.inventory.count(
        ctx,
        store_id,
        sku=body.sku,
        counted=body.counted,
        note=body.note,
        location_id=body.location_id,
    )
    return answer(result, response)


# -- locations --------------------------------------------------------------------------------


@router.get("/locations", response_model=LocationList)
def list_locations(store_id: UUID, orion: OrionDep, _: CanRead, __: Fresh) -> LocationList:
    rows = queries.list_locations(orion.read, store_id)
    found = [{**r, "id": r["location_id"]} for r in rows] or [_implicit_default(store_id)]
    return LocationList(items=[LocationPublic.model_validate(r) for r in found])


@router.post("/locations", status_code=201, response_model=LocationAnswer)
def add_location(
    store_id: UUID,
    body: LocationCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> LocationAnswer:
    """A new location (a warehouse, a shop); the store's first one is its default."""
    result, location_id = orion.inventory.add_location(
        ctx, store_id, code=body.code, name=body.name
    )
    if result.replayed:
        # The use case made a new id for this attempt; the first one's location is the one
        # with this code (the same key comes with the same body).
        found = orion.inventory.locations(store_id)
        code = body.code.strip().lower()
        if found is not None:
            location_id = next(
                (i for i, v in found.items.items() if v["code"] == code), location_id
            )
    done = answer(result, response)
    return LocationAnswer(**done.model_dump(), location_id=location_id)


@router.post("/locations/{location_id}/default", response_model=CommandAnswer)
def make_default_location(
    store_id: UUID,
    location_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """Online orders draw stock from the default location first."""
    return answer(orion.inventory.make_default(ctx, store_id, location_id), response)
