"""The hold sweep on the in-memory world: checkout holds that expired are released in the log
by ``system:hold-expiry``, the live ones and the orders' reservations stay, and a second run
(another process's, or a read model that lags) writes nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.inventory.jobs import SWEEP_ACTOR
from domain.inventory.aggregates import StockItem
from domain.inventory.values import checkout_hold_id
from domain.shared.events import event_metadata
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


def releases(world: World, item: StockItem) -> list[tuple[UUID, int, str, Any]]:
    return [
        (e.reservation_id, e.quantity, e.reason, event_metadata(e)["actor"])
        for e in world.app.events.get(item.id)
        if isinstance(e, StockItem.ReservationReleased)
    ]


def test_an_expired_hold_is_released_once_and_the_rest_stays(world: World) -> None:
    """Issue 11: a shopper holds 4 of 10 and goes; the hold expires; another buys all 10."""
    store_id = world.new_store()
    world.on_sale(store_id, "LAMP-1", stock=10)
    world.on_sale(store_id, "LAMP-2", stock=10)
    rate = world.flat_rate(store_id)
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    gone = world.guest_cart(store_id, {"LAMP-1": 4})
    world.checkout.start(world.ctx, store_id, gone)
    world.clock.advance(minutes=16)
    world.check_out(store_id, world.guest_cart(store_id, {"LAMP-1": 10}), rate)
    live = world.guest_cart(store_id, {"LAMP-2": 3})
    world.checkout.start(world.ctx, store_id, live)

    assert world.hold_sweep.run() == 1

    (item,) = world.inventory.items(store_id, "LAMP-1")
    assert gone.cart_id is not None
    assert releases(world, item) == [(checkout_hold_id(gone.cart_id), 4, "expired", SWEEP_ACTOR)]
    assert [r["quantity"] for r in item.reservations.values()] == [10]  # the order's only
    (held,) = world.inventory.items(store_id, "LAMP-2")
    assert releases(world, held) == []
    head = world.platform.head()
    assert world.hold_sweep.run() == 0
    assert world.platform.head() == head


def test_the_sweep_asks_the_read_model_at_the_clock_s_time(world: World) -> None:
    world.hold_sweep.run()

    ((asked, when),) = world.reads.asked
    assert asked == "expired_holds" and when <= world.clock.now()


def test_an_item_the_sweep_cannot_release_does_not_stop_the_others(world: World) -> None:
    store_id = world.new_store()
    for sku in ("A-1", "B-1"):
        world.on_sale(store_id, sku, stock=5)
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 1})
    world.checkout.start(world.ctx, store_id, world.guest_cart(store_id, {"A-1": 1}))
    world.checkout.start(world.ctx, store_id, world.guest_cart(store_id, {"B-1": 1}))
    world.clock.advance(minutes=2)
    (location,) = world.inventory.location_ids(store_id)
    # A lagging read model names an item that does not exist (yet) first.
    found = [(store_id, location, "GHOST-1"), *world.reads.expired_holds(world.clock.now())]
    world.hold_sweep.expired = lambda now: found

    assert world.hold_sweep.run() == 2
