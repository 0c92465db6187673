"""Checkout reads KEPT: the stock items this process saved, from its kept copies. With two
processes on one database (SQLite and PostgreSQL), a copy made stale by the other process never
oversells and never refuses what is there: the save conflicts on the real event store, or the
refusal is checked on the log, and checkout decides again on fresh reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from application.cart.app import CartRef
from application.orders.checkout import CheckoutDetails, Placed
from domain.inventory.errors import InsufficientStockError
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.integration.api.test_checkout import ADMIN, SHOPPER, Shop, open_shop
from tests.integration.api.test_shop_account import address


@pytest.fixture
def other(settings: Settings) -> Iterator[Orion]:
    """Another process on the same database."""
    instance = bootstrap(settings)
    yield instance
    instance.close()


def _cart(orion: Orion, shop: Shop, quantity: int) -> CartRef:
    made = orion.carts.add(SHOPPER, shop.id, CartRef(), sku=shop.skus[0], quantity=quantity)
    return CartRef(cart_id=made.id)


def _check_out(orion: Orion, shop: Shop, ref: CartRef, key: str) -> Placed:
    details = CheckoutDetails(
        shipping_rate_id=shop.rate_id,
        payment_method="manual",
        email="guest@example.org",
        shipping_address=address(),
    )
    return orion.checkout.place(replace(SHOPPER, idempotency_key=key), shop.id, ref, details)


def _available(orion: Orion, shop: Shop) -> tuple[int, int]:
    (item,) = orion.inventory.items(shop.id, shop.skus[0])
    now = orion.platform.clock.now()
    return item.available(now), item.reserved(now)


def test_a_copy_made_stale_by_another_process_never_oversells(orion: Orion, other: Orion) -> None:
    shop = open_shop(orion, stock=5)
    late = _cart(orion, shop, 1)
    _check_out(orion, shop, _cart(orion, shop, 2), "first")  # kept here: 3 left
    _check_out(other, shop, _cart(other, shop, 3), "elsewhere")  # none left

    with pytest.raises(InsufficientStockError) as refused:
        _check_out(orion, shop, late, "late")  # 3 left as kept: the save conflicts

    assert refused.value.fields["lines"] == [{"sku": shop.skus[0], "requested": 1, "available": 0}]
    assert _available(orion, shop) == (0, 5)


def test_a_copy_made_stale_by_another_process_never_refuses_what_is_there(
    orion: Orion, other: Orion
) -> None:
    shop = open_shop(orion, stock=1)
    _check_out(orion, shop, _cart(orion, shop, 1), "first")  # kept here: none left
    other.inventory.receive(ADMIN, shop.id, sku=shop.skus[0], quantity=4)
    cart = _cart(orion, shop, 4)

    placed = _check_out(orion, shop, cart, "after-restock")  # refused as kept, then placed

    assert placed.order.lines[0]["quantity"] == 4
    assert _available(orion, shop) == (0, 5)
