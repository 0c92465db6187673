"""The storefront cart: a signed-in customer's, or a guest's found by its ``X-Cart-Token``;
and, for the store's team, the abandoned-cart figure.

A cart token is only good at its own shop: another shop's cart is not found here (404), and a
forged token is refused (401). A token of another account (staff, another shop's customer) is
not signed in here either (401): the cart never says whether an account exists elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, Query, Response

from application.cart.app import CartRef
from application.context import CommandContext
from domain.cart.errors import CartLineNotFoundError
from domain.shared.errors import AuthenticationError
from domain.tax.policies import TaxLine
from interfaces.api.auth import Principal, StoreAccess
from interfaces.api.cart.schemas import (
    AbandonedCarts,
    CartAnswer,
    CartView,
    LineAdd,
    LineChange,
)
from interfaces.api.common import answer
from interfaces.api.deps import CommandCtx, OrionDep, PrincipalDep, read_after, store_permission
from interfaces.api.paths import segment
from interfaces.api.shop import ShopDep
from interfaces.api.tax.schemas import CartTaxEstimate, cart_estimate
from interfaces.bootstrap import Orion
from projections.cart import queries

CART_TOKEN_HEADER = "X-Cart-Token"
MAX_CART_TOKEN = 256
MAX_IDLE_HOURS = 24 * 365

shop = APIRouter(prefix="/api/v1/shop/{store_code}/cart", tags=["shop: cart"])
# A cart line by its SKU: one path segment, a slash in the SKU sent as %2F.
LINE = f"/lines/{segment('sku')}"
store = APIRouter(prefix="/api/v1/stores/{store_id}/carts", tags=["store: carts"])


@dataclass(frozen=True)
class Shopper:
    """Whose cart this request is about."""

    store_id: UUID
    ref: CartRef
    # Who the cart's events are written by, and the scope of their Idempotency-Keys.
    actor: str
    is_guest: bool

    def context(self, ctx: CommandContext) -> CommandContext:
        ctx = replace(ctx, actor=self.actor)
        if self.is_guest and self.ref.cart_id is None:
            # A guest with no token yet cannot be told apart from any other: replaying a key
            # here would hand one guest's cart (and its token) to another who chose the same
            # key. Such a guest gets a token from GET /cart first to retry safely.
            ctx = replace(ctx, idempotency_key=None, request_fingerprint=None)
        return ctx


def who_shops(
    orion: Orion,
    store_id: UUID,
    principal: Principal,
    cart_token: str | None,
    *,
    read_cart: bool = True,
) -> Shopper:
    """Whose cart a request is about. With ``read_cart`` (the default), a guest token naming
    another shop's cart, or a customer's, is a 404 here; without it, the use case that reads
    the cart anyway must refuse it (checkout does)."""
    if principal.kind == "customer" and principal.store_id == store_id:
        customer_id = principal.account_id
        if customer_id is not None:
            return Shopper(store_id, CartRef(customer_id=customer_id), principal.actor, False)
    if principal.kind != "anonymous":
        raise AuthenticationError("sign in to your account at this shop, or shop as a guest")
    if not cart_token:
        return Shopper(store_id, CartRef(), "guest:-", True)
    if len(cart_token) > MAX_CART_TOKEN:
        raise AuthenticationError("the cart token is not valid")
    ref = orion.carts.ref_from_token(cart_token)
    if read_cart:
        orion.carts.find_own(store_id, ref)  # another shop's cart, or a customer's: a 404
    return Shopper(store_id, ref, f"guest:{ref.cart_id}", True)


CartToken = Annotated[
    str | None,
    Header(
        alias=CART_TOKEN_HEADER,
        description="A guest's cart token (from the first add, or from GET /cart).",
    ),
]


# Reads the event store (the token's cart): a plain ``def``, run on the thread pool.
def shopper(
    store_id: ShopDep, principal: PrincipalDep, orion: OrionDep, cart_token: CartToken = None
) -> Shopper:
    return who_shops(orion, store_id, principal, cart_token)


ShopperDep = Annotated[Shopper, Depends(shopper)]
CanReadOrders = Annotated[StoreAccess, Depends(store_permission("orders", "read"))]
Fresh = Annotated[int | None, Depends(read_after("carts"))]


def _token_answer(orion: Orion, who: Shopper, cart_id: UUID, response: Response) -> str | None:
    if not who.is_guest:
        return None
    token = orion.carts.token_for(cart_id)
    response.headers[CART_TOKEN_HEADER] = token
    return token


def cart_view(orion: Orion, who: Shopper) -> dict[str, Any]:
    view = orion.carts.view(who.store_id, who.ref)
    view["weight_grams"] = sum(
        int(line["weight_grams"]) * int(line["quantity"]) for line in view["lines"]
    )
    return view


def _estimate_country(orion: Orion, who: Shopper) -> str | None:
    """A signed-in customer's default shipping country, if they have one."""
    if who.ref.customer_id is None:
        return None
    customer = orion.customers.get(who.store_id, who.ref.customer_id)
    if customer.default_shipping is None:
        return None
    for address in orion.customers.addresses(customer):
        if address["default_shipping"]:
            return str(address["country"])
    return None


def tax_estimate(orion: Orion, who: Shopper, view: dict[str, Any]) -> CartTaxEstimate | None:
    """The VAT of the cart's lines for a consumer in the customer's default shipping country
    (else the store's), without shipping: an estimate, which checkout works out for the order."""
    if not view["lines"]:
        return None
    lines = []
    for line in view["lines"]:
        category = line.get("tax_category")
        if not category:  # a line added before carts kept it: the product's category now
            found = orion.catalog.product_for_sku(who.store_id, str(line["sku"]))
            category = found[0].tax_category if found else "standard"
        lines.append(
            TaxLine(str(line["sku"]), str(category), int(line["unit_price"]), int(line["quantity"]))
        )
    country = _estimate_country(orion, who)
    taxed = orion.tax.estimate(who.store_id, lines, buyer_country=country)
    return cart_estimate(taxed, taxed.buyer_country)


@shop.get("", response_model=CartView)
def get_cart(who: ShopperDep, orion: OrionDep, response: Response) -> CartView:
    seen = cart_view(orion, who)
    view = CartView.model_validate(seen)
    view.tax_estimate = tax_estimate(orion, who, seen)
    if who.is_guest:
        # A guest without a cart gets the token of a cart not made yet (nothing is written).
        cart_id = who.ref.cart_id or uuid4()
        view.cart_token = _token_answer(orion, who, cart_id, response)
    response.headers["Cache-Control"] = "private, no-store"
    if view.id is not None:
        response.headers["ETag"] = f'"{view.version}"'
    return view


@shop.post("/lines", status_code=201, response_model=CartAnswer, response_model_exclude_none=True)
def add_line(
    body: LineAdd, who: ShopperDep, orion: OrionDep, ctx: CommandCtx, response: Response
) -> CartAnswer:
    """Adds a SKU (or more of it). Asking for more than is available is a 409 whose
    ``available`` says how many are left."""
    result = orion.carts.add(
        who.context(ctx), who.store_id, who.ref, sku=body.sku, quantity=body.quantity
    )
    token = _token_answer(orion, who, result.id, response)
    return CartAnswer(**answer(result, response).model_dump(), cart_token=token)


@shop.patch(LINE, response_model=CartAnswer, response_model_exclude_none=True)
def change_line(
    sku: str,
    body: LineChange,
    who: ShopperDep,
    orion: OrionDep,
    ctx: CommandCtx,
    response: Response,
) -> CartAnswer:
    found = orion.carts.find(who.store_id, who.ref)
    if found is not None and sku not in found.lines:
        # The use case checks stock before the line: a missing line would answer 409.
        raise CartLineNotFoundError(f"no line for SKU {sku!r} in the cart", sku=sku)
    result = orion.carts.change_quantity(
        who.context(ctx), who.store_id, who.ref, sku=sku, quantity=body.quantity
    )
    return CartAnswer(**answer(result, response).model_dump())


@shop.delete(LINE, response_model=CartAnswer, response_model_exclude_none=True)
def remove_line(
    sku: str, who: ShopperDep, orion: OrionDep, ctx: CommandCtx, response: Response
) -> CartAnswer:
    result = orion.carts.remove(who.context(ctx), who.store_id, who.ref, sku=sku)
    return CartAnswer(**answer(result, response).model_dump())


@shop.delete("", response_model=CartAnswer, response_model_exclude_none=True)
def clear_cart(who: ShopperDep, orion: OrionDep, ctx: CommandCtx, response: Response) -> CartAnswer:
    result = orion.carts.clear(who.context(ctx), who.store_id, who.ref)
    return CartAnswer(**answer(result, response).model_dump())


# -- the store's side -----------------------------------------------------------------------


@store.get("/abandoned", response_model=AbandonedCarts)
def abandoned_carts(
    store_id: UUID,
    orion: OrionDep,
    _: CanReadOrders,
    __: Fresh,
    idle_hours: Annotated[int, Query(ge=1, le=MAX_IDLE_HOURS)] = 24,
) -> AbandonedCarts:
    """Carts holding lines that nobody has touched for ``idle_hours``: how many, and the value
    of what they hold (minor units of the store's currency)."""
    found = orion.stores.get(store_id)  # a platform admin's unknown store is a 404
    idle_since = orion.clock.now() - timedelta(hours=idle_hours)
    figures = queries.abandoned_carts(orion.read, store_id, idle_since)
    return AbandonedCarts(
        idle_hours=idle_hours,
        idle_since=idle_since,
        count=figures["count"],
        value=figures["value"],
        item_count=figures["item_count"],
        currency=figures["currency"] or found.currency,
    )


router = APIRouter()
router.include_router(shop)
router.include_router(store)
