"""The storefront checkout: a signed-in customer of this shop, or a guest with the cart token.

``POST /checkout`` places the order: the use case reserves every line's stock in the same save
that places the order and empties the cart, so there is no order without its stock, and short
lines are a 409 naming them. ``Idempotency-Key`` is required: a retried checkout (a timeout, a
double click) answers with the order the first attempt made and makes no second one.

``POST /checkout/start`` holds the cart's stock for a few minutes when the store wants it
(``checkout_hold_minutes``); the hold expires on its own.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Response

from application.orders.checkout import CheckoutDetails, Placed, hold_id
from domain.shared.errors import AuthenticationError
from interfaces.api.cart.routes import CART_TOKEN_HEADER, CartToken, Shopper, who_shops
from interfaces.api.cart.routes import ShopperDep as CartShopperDep
from interfaces.api.deps import CommandCtx, KeyedCommandCtx, OrionDep, PrincipalDep
from interfaces.api.orders.schemas.checkout import (
    CheckoutAnswer,
    CheckoutBody,
    CheckoutStarted,
    Hold,
    Totals,
)
from interfaces.api.orders.schemas.desk import TaxBreakdown
from interfaces.api.shop import ShopDep
from interfaces.bootstrap import Orion
from projections.orders.numbers import NAME as NUMBERS
from projections.orders.queries import get_order_number as numbered

router = APIRouter(prefix="/api/v1/shop/{store_code}/checkout", tags=["shop: checkout"])


async def buyer(who: CartShopperDep) -> Shopper:
    """Whose cart is bought: the signed-in customer's of this very shop, or a guest's named by
    its token (the cart API's rules: another shop's cart is 404, a staff token 401). A guest
    with no cart token has nothing to buy."""
    return _buyer(who)


ShopperDep = Annotated[Shopper, Depends(buyer)]


def _buyer(who: Shopper) -> Shopper:
    if who.is_guest and who.ref.cart_id is None:
        raise AuthenticationError(
            f"sign in to your account at this shop, or send your guest cart's {CART_TOKEN_HEADER}"
        )
    return who


async def checkout_buyer(
    store_id: ShopDep, principal: PrincipalDep, orion: OrionDep, cart_token: CartToken = None
) -> Shopper:
    """``buyer``, without reading the cart (its token is checked by its signature; the use case
    reads the cart, and refuses another shop's): checkout's one trip to the thread pool is for
    the order itself."""
    return _buyer(who_shops(orion, store_id, principal, cart_token, read_cart=False))


def _place(orion: Orion, ctx: CommandCtx, who: Shopper, body: CheckoutBody) -> Placed:
    details = CheckoutDetails(
        shipping_rate_id=body.shipping_rate_id,
        payment_method=body.payment_method,
        email=body.email,
        shipping_address=body.shipping_address.fields() if body.shipping_address else None,
        shipping_address_id=body.shipping_address_id,
        billing_address=body.billing_address.fields() if body.billing_address else None,
        billing_address_id=body.billing_address_id,
    )
    return orion.checkout.place(
        who.context(ctx), who.store_id, who.ref, details, customer_id=who.ref.customer_id
    )


async def order_number(orion: Orion, store_id: UUID, order_id: UUID, position: int) -> str | None:
    """The order's human number, once the numbers read model (which hands them out in log
    order) has reached the checkout's position; None if it did not in time."""
    if NUMBERS not in orion.projections.projections:
        return None
    reached = await orion.read.wait_for_async(
        (NUMBERS,), position, orion.settings.consistency_timeout_seconds
    )
    if not reached:
        return None
    return await anyio.to_thread.run_sync(numbered, orion.read, store_id, order_id)


# Async (the library's work runs on the thread pool below): waiting for the read model to
# number the order must not hold a worker thread asleep.
@router.post("", status_code=201, response_model=CheckoutAnswer)
async def checkout(
    body: CheckoutBody,
    who: Annotated[Shopper, Depends(checkout_buyer)],
    ctx: KeyedCommandCtx,
    orion: OrionDep,
    response: Response,
) -> CheckoutAnswer:
    """Places the order. ``Idempotency-Key`` is required, so that a retry never orders twice."""
    started = time.perf_counter()
    placed = await anyio.to_thread.run_sync(_place, orion, ctx, who, body)
    order = placed.order
    placed_at = time.perf_counter()
    result = placed.result
    response.headers["ETag"] = f'"{result.version}"'
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    number = await order_number(orion, who.store_id, order.id, result.position)
    # Where the time went, for browsers' dev tools and for the benchmark.
    response.headers["Server-Timing"] = (
        f"place;dur={(placed_at - started) * 1000:.1f}, "
        f"number;dur={(time.perf_counter() - placed_at) * 1000:.1f}"
    )
    return CheckoutAnswer(
        id=order.id,
        version=result.version,
        position=result.position,
        order_id=order.id,
        order_number=number,
        status=order.status,
        currency=order.currency,
        totals=Totals.model_validate(order.totals),
        tax=TaxBreakdown.model_validate(order.tax) if order.tax else None,
        payment_method=order.payment_method,
        payment_due_at=order.payment_due_at,
        payment=placed.payment,
    )


def _held_until(orion: Orion, who: Shopper) -> datetime | None:
    """When the cart's current hold expires (read back for a replayed start)."""
    cart = orion.carts.find(who.store_id, who.ref)
    if cart is None:
        return None
    held = str(hold_id(cart.id))
    for line in cart.lines.values():
        for item in orion.inventory.items(who.store_id, line["sku"]):
            found = item.reservations.get(held)
            if found and found["expires_at"] is not None:
                expires: datetime = found["expires_at"]
                return expires
    return None


@router.post("/start", response_model=CheckoutStarted)
def start_checkout(who: ShopperDep, ctx: CommandCtx, orion: OrionDep) -> CheckoutStarted:
    result, expires = orion.checkout.start(who.context(ctx), who.store_id, who.ref)
    if result is None:
        return CheckoutStarted(hold=None)
    if expires is None:  # a replayed Idempotency-Key: the hold it made
        expires = _held_until(orion, who)
    return CheckoutStarted(
        hold=Hold(expires_at=expires) if expires else None,
        id=result.id,
        version=result.version,
        position=result.position,
    )
