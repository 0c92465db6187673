"""The payment timeout on the in-memory world: a pending-payment order past its due time is
cancelled by ``system:payment-timeout`` and its stock released; a paid, cash-on-delivery or
not yet due order stays as it is, whatever a lagging read model says."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.orders.jobs import TIMEOUT_ACTOR
from domain.inventory.aggregates import StockItem
from domain.orders.aggregates import Order
from domain.shared.events import event_metadata
from tests.unit.application.world import World

PRICE, SHIPPING = 1000, 490


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def shop(world: World) -> tuple[UUID, UUID]:
    store_id = world.new_store()
    for sku in ("A-1", "B-1", "C-1"):
        world.on_sale(store_id, sku, amount=PRICE, stock=10)
    world.commerce.change_settings(world.ctx, store_id, {"payment_timeout_hours": 2})
    return store_id, world.flat_rate(store_id, SHIPPING)


def buy(world: World, shop: tuple[UUID, UUID], lines: dict[str, int], **kw: Any) -> UUID:
    store_id, rate = shop
    return world.check_out(store_id, world.guest_cart(store_id, lines), rate, **kw).order_id


def available(world: World, store_id: UUID, sku: str) -> int:
    return world.inventory.available(store_id, sku, world.clock.now())


def test_overdue_orders_are_cancelled_and_their_stock_released(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, _ = shop
    overdue = buy(world, shop, {"A-1": 3, "B-1": 1})
    paid = buy(world, shop, {"A-1": 2})
    on_delivery = buy(world, shop, {"C-1": 4}, payment_method="cash_on_delivery")
    world.orders.record_payment(world.ctx, store_id, paid, amount=2 * PRICE + SHIPPING)
    world.clock.advance(hours=1)
    late = buy(world, shop, {"B-1": 2})  # due an hour after the others
    assert (available(world, store_id, "A-1"), available(world, store_id, "B-1")) == (5, 7)

    world.clock.advance(minutes=59)
    head = world.platform.head()
    assert world.payment_timeouts.run() == []  # not due yet
    assert world.platform.head() == head

    world.clock.advance(minutes=2)
    assert world.payment_timeouts.run() == [overdue]

    statuses = {o: world.orders.get(store_id, o).status for o in (overdue, paid, on_delivery, late)}
    assert statuses == {
        overdue: "cancelled",
        paid: "paid",
        on_delivery: "processing",
        late: "pending_payment",
    }
    assert (available(world, store_id, "A-1"), available(world, store_id, "B-1")) == (8, 8)
    (item,) = world.inventory.items(store_id, "A-1")
    released = [
        (e.reservation_id, e.quantity, e.reason)
        for e in world.app.events.get(item.id)
        if isinstance(e, StockItem.ReservationReleased)
    ]
    assert released == [(overdue, 3, "payment_timeout")]
    cancelled = list(world.app.events.get(overdue))[-1]
    assert isinstance(cancelled, Order.Cancelled)
    assert event_metadata(cancelled)["actor"] == TIMEOUT_ACTOR

    head = world.platform.head()
    assert world.payment_timeouts.run() == []  # a second run changes nothing more
    assert world.platform.head() == head
    world.clock.advance(hours=1)
    assert world.payment_timeouts.run() == [late]
    assert available(world, store_id, "B-1") == 10


def test_an_order_a_lagging_read_model_calls_overdue_is_checked_by_its_aggregate(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    """The read model may not have seen the payment, nor may its clock agree: the aggregate
    decides, at the clock's time, inside the command."""
    store_id, _ = shop
    paid = buy(world, shop, {"A-1": 1})
    not_due = buy(world, shop, {"A-1": 1})
    world.orders.record_payment(world.ctx, store_id, paid, amount=PRICE + SHIPPING)
    world.payment_timeouts.pending = lambda now: [(store_id, paid), (store_id, not_due)]
    head = world.platform.head()

    assert world.payment_timeouts.run() == []

    assert world.platform.head() == head


def test_one_order_that_cannot_be_cancelled_does_not_stop_the_others(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, _ = shop
    due = buy(world, shop, {"A-1": 1})
    world.clock.advance(hours=3)
    other = world.new_store("other")
    world.payment_timeouts.pending = lambda now: [(other, due), (store_id, due)]  # a wrong store

    assert world.payment_timeouts.run() == [due]
