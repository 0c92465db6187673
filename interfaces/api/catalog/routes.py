"""The store team's catalog commands and queries, and the public storefront."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.catalog.errors import ProductNotFoundError
from domain.shared.errors import ValidationError
from domain.shared.money import MAX_AMOUNT
from domain.stores.errors import StoreNotFoundError
from interfaces.api.auth import StoreAccess
from interfaces.api.catalog.schemas import (
    ProductCreate,
    ProductList,
    ProductPublic,
    ProductUpdate,
    ShopProduct,
    ShopProductList,
    product_public,
    shop_product,
)
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, IfMatch, OrionDep, read_after, store_permission
from projections.catalog import queries
from projections.catalog.queries import SearchQuery
from projections.stores.queries import get_store_by_code

router = APIRouter(prefix="/api/v1/stores/{store_id}/products", tags=["store: catalog"])
shop = APIRouter(prefix="/api/v1/shop/{store_code}/products", tags=["shop: catalog"])
Fresh = Annotated[int | None, Depends(read_after("catalog"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("products", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("products", "write"))]
ShopFresh = Annotated[int | None, Depends(read_after("storefront_search", "stores"))]


@router.post("", status_code=201, response_model=CommandAnswer)
def create_product(
    store_id: UUID,
    body: ProductCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    data = body.model_dump()
    result = orion.catalog.create_product(ctx, store_id, **data)
    response.headers["Location"] = f"/api/v1/stores/{store_id}/products/{result.id}"
    return answer(result, response)


@router.patch("/{product_id}", response_model=CommandAnswer)
def edit_product(
    store_id: UUID,
    product_id: UUID,
    body: ProductUpdate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    fields = body.model_dump(exclude_unset=True)
    result = orion.catalog.edit_product(
        ctx, store_id, product_id, expected_version=version, **fields
    )
    return answer(result, response)


def _transition(name: str, summary: str) -> None:
    def endpoint(
        store_id: UUID,
        product_id: UUID,
        orion: OrionDep,
        ctx: CommandCtx,
        _: CanWrite,
        version: IfMatch,
        response: Response,
    ) -> CommandAnswer:
        method = getattr(orion.catalog, name)
        return answer(method(ctx, store_id, product_id, expected_version=version), response)

    endpoint.__name__ = f"{name}_product"
    router.post(f"/{{product_id}}/{name}", response_model=CommandAnswer, summary=summary)(endpoint)


_transition("publish", "Publish a product on the storefront")
_transition("unpublish", "Take a product off the storefront (back to draft)")
_transition("archive", "Archive a product (final; frees its SKUs)")


@router.get("", response_model=ProductList)
def list_products(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    status: Annotated[str | None, Query(pattern="^(draft|published|archived)$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ProductList:
    rows, next_cursor = queries.list_products(
        orion.read, store_id, status=status, q=q, sku=sku, cursor=cursor, limit=limit
    )
    return ProductList(items=[product_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{product_id}", response_model=ProductPublic)
def get_product(
    store_id: UUID, product_id: UUID, orion: OrionDep, _: CanRead, __: Fresh
) -> ProductPublic:
    row = queries.get_product(orion.read, store_id, product_id)
    if row is None:
        raise ProductNotFoundError(f"no product {product_id}", product_id=str(product_id))
    return product_public(row)


# -- the public storefront ------------------------------------------------------------------


def _active_store_id(orion: OrionDep, store_code: str) -> UUID:
    # NUL cannot be in a code, and PostgreSQL refuses it in a query parameter.
    store = None if "\x00" in store_code else get_store_by_code(orion.read, store_code)
    # A suspended store's shop is closed: it answers as if it did not exist.
    if store is None or store["status"] != "active":
        raise StoreNotFoundError(f"no shop {store_code!r}", store_code=store_code)
    store_id: UUID = store["store_id"]
    return store_id


def _attribute_filters(attr: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in attr:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or not value.strip() or "\x00" in item:
            raise ValidationError("attr", "use attr=name:value, e.g. attr=colour:red")
        pairs.append((name, value))
    return tuple(pairs)


@shop.get("", response_model=ShopProductList)
def search_shop(
    store_code: str,
    orion: OrionDep,
    __: ShopFresh,
    q: Annotated[str | None, Query(max_length=200)] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    attr: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006 (FastAPI default)
    sort: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> ShopProductList:
    if min_price is not None and max_price is not None and min_price > max_price:
        raise ValidationError("min_price", "must not be above max_price")
    search = SearchQuery(
        store_id=_active_store_id(orion, store_code),
        q=q,
        min_price=min_price,
        max_price=max_price,
        attributes=_attribute_filters(attr),
        sort=sort or "relevance",
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = queries.search_products(orion.read, search)
    return ShopProductList(items=[shop_product(r) for r in rows], next_cursor=next_cursor)


@shop.get("/{product_id}", response_model=ShopProduct)
def get_shop_product(
    store_code: str, product_id: UUID, orion: OrionDep, __: ShopFresh
) -> ShopProduct:
    store_id = _active_store_id(orion, store_code)
    row = queries.get_shop_product(orion.read, store_id, product_id)
    if row is None:
        raise ProductNotFoundError(f"no product {product_id}", product_id=str(product_id))
    return shop_product(row)
