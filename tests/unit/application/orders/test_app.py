"""The order desk on the in-memory world: every transition moves the order's stock with it
(shipping commits it, cancelling releases it, refunds release or restock it); invalid moves
are refused naming the status and write nothing; another store's order does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.cart.app import CartRef
from domain.orders.aggregates import Order
from domain.orders.errors import OrderNotFoundError, OrderStateError
from domain.shared.errors import ConflictError, PreconditionFailedError, ValidationError
from tests.unit.application.world import ADDRESS, SHOPPER, World

PRICES = {"A-1": 1500, "B-1": 2500}
SHIPPING = 490


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    store_id = world.new_store()
    for sku, price in PRICES.items():
        world.on_sale(store_id, sku, amount=price, stock=50)
    return store_id


@pytest.fixture
def rate(world: World, store_id: UUID) -> UUID:
    return world.flat_rate(store_id, SHIPPING)


def buy(world: World, store_id: UUID, rate: UUID, lines: dict[str, int], **kw: Any) -> UUID:
    return world.check_out(store_id, world.guest_cart(store_id, lines), rate, **kw).order_id


def total(lines: dict[str, int]) -> int:
    return sum(PRICES[s] * q for s, q in lines.items()) + SHIPPING


def stock(world: World, store_id: UUID, sku: str) -> tuple[int, int]:
    """(on hand, available) of the SKU."""
    now = world.clock.now()
    items = world.inventory.items(store_id, sku)
    return sum(i.on_hand for i in items), sum(i.available(now) for i in items)


def status(world: World, store_id: UUID, order_id: UUID) -> str:
    return world.orders.get(store_id, order_id).status


def test_paid_processed_shipped_in_parts_and_delivered(
    world: World, store_id: UUID, rate: UUID
) -> None:
    order_id = buy(world, store_id, rate, {"A-1": 3, "B-1": 2})
    due = total({"A-1": 3, "B-1": 2})

    world.orders.record_payment(world.ctx, store_id, order_id, amount=1000, reference="T-1")
    assert status(world, store_id, order_id) == "pending_payment"
    with pytest.raises(ConflictError) as over:
        world.orders.record_payment(world.ctx, store_id, order_id, amount=due)
    assert over.value.fields["due"] == due - 1000
    paid = world.orders.record_payment(world.ctx, store_id, order_id, amount=due - 1000)
    assert status(world, store_id, order_id) == "paid"

    with pytest.raises(PreconditionFailedError):
        world.orders.start_processing(world.ctx, store_id, order_id, expected_version=1)
    world.orders.start_processing(world.ctx, store_id, order_id, expected_version=paid.version)
    world.orders.ship(
        world.ctx, store_id, order_id, carrier="DHL", lines=[{"sku": "A-1", "quantity": 2}]
    )
    assert status(world, store_id, order_id) == "partially_shipped"
    assert stock(world, store_id, "A-1") == (48, 47)  # two left the shelf, one still held
    with pytest.raises(ConflictError) as too_many:
        world.orders.ship(
            world.ctx, store_id, order_id, carrier="DHL", lines=[{"sku": "A-1", "quantity": 2}]
        )
    assert too_many.value.fields["left_to_ship"] == 1
    with pytest.raises(ValidationError):
        world.orders.ship(
            world.ctx, store_id, order_id, carrier="DHL", lines=[{"sku": "NOPE", "quantity": 1}]
        )
    world.orders.ship(world.ctx, store_id, order_id, carrier="DHL", tracking_number="JD01")
    assert status(world, store_id, order_id) == "shipped"
    assert stock(world, store_id, "A-1") == (47, 47) and stock(world, store_id, "B-1") == (48, 48)

    world.orders.deliver(world.ctx, store_id, order_id)
    assert status(world, store_id, order_id) == "delivered"
    noted = world.orders.add_note(world.ctx, store_id, order_id, text="Called the customer")
    (note,) = list(world.app.events.get(order_id, gt=noted.version - 1))
    assert isinstance(note, Order.NoteAdded)
    assert (note.text, note.author) == ("Called the customer", world.ctx.actor)


def test_an_unpaid_order_is_neither_processed_shipped_nor_delivered(
    world: World, store_id: UUID, rate: UUID
) -> None:
    order_id = buy(world, store_id, rate, {"A-1": 1})
    head = world.platform.head()

    moves: list[Callable[[], object]] = [
        lambda: world.orders.start_processing(world.ctx, store_id, order_id),
        lambda: world.orders.ship(world.ctx, store_id, order_id, carrier="Post"),
        lambda: world.orders.deliver(world.ctx, store_id, order_id),
    ]
    for move in moves:
        with pytest.raises(OrderStateError) as raised:
            move()
        assert raised.value.fields["status"] == "pending_payment"
    assert world.platform.head() == head


def test_cancelling_releases_the_stock_and_refunds_what_was_paid(
    world: World, store_id: UUID, rate: UUID
) -> None:
    unpaid = buy(world, store_id, rate, {"A-1": 4})
    paid = buy(world, store_id, rate, {"B-1": 5})
    world.orders.record_payment(world.ctx, store_id, paid, amount=1000)
    assert stock(world, store_id, "A-1") == (50, 46) and stock(world, store_id, "B-1") == (50, 45)

    world.orders.cancel(world.ctx, store_id, unpaid, reason="asked")
    world.orders.cancel(world.ctx, store_id, paid, reason="no stock")

    assert stock(world, store_id, "A-1") == (50, 50) and stock(world, store_id, "B-1") == (50, 50)
    cancelled = world.orders.get(store_id, paid)
    assert (cancelled.status, cancelled.refunded_amount) == ("cancelled", 1000)
    head = world.platform.head()
    moves: list[Callable[[], object]] = [
        lambda: world.orders.cancel(world.ctx, store_id, paid, reason="again"),
        lambda: world.orders.record_payment(world.ctx, store_id, paid, amount=1),
        lambda: world.orders.ship(world.ctx, store_id, paid, carrier="Post"),
    ]
    for move in moves:
        with pytest.raises(ConflictError):
            move()
    assert world.platform.head() == head


def test_a_delivered_order_is_not_cancelled(world: World, store_id: UUID, rate: UUID) -> None:
    order_id = buy(world, store_id, rate, {"A-1": 1})
    world.orders.record_payment(world.ctx, store_id, order_id, amount=total({"A-1": 1}))
    world.orders.ship(world.ctx, store_id, order_id, carrier="Post")
    world.orders.deliver(world.ctx, store_id, order_id)

    with pytest.raises(OrderStateError) as raised:
        world.orders.cancel(world.ctx, store_id, order_id, reason="late")
    assert raised.value.fields["status"] == "delivered"


def test_a_full_refund_with_and_without_restock(world: World, store_id: UUID, rate: UUID) -> None:
    kept = buy(world, store_id, rate, {"A-1": 2})
    back = buy(world, store_id, rate, {"B-1": 2})
    for order_id, lines in ((kept, {"A-1": 2}), (back, {"B-1": 2})):
        world.orders.record_payment(world.ctx, store_id, order_id, amount=total(lines))
        world.orders.ship(world.ctx, store_id, order_id, carrier="Post")

    world.orders.refund(
        world.ctx, store_id, kept, lines=[{"sku": "A-1", "quantity": 2, "restock": False}]
    )
    world.orders.refund(
        world.ctx,
        store_id,
        back,
        lines=[{"sku": "B-1", "quantity": 2, "restock": True}],
        reason="returned",
    )

    assert stock(world, store_id, "A-1") == (48, 48)  # written off
    assert stock(world, store_id, "B-1") == (50, 50)  # back on the shelf
    for order_id, lines in ((kept, {"A-1": 2}), (back, {"B-1": 2})):
        order = world.orders.get(store_id, order_id)
        assert order.refunded_amount == total(lines)  # shipping too
        assert order.status in ("refunded", "returned")
        with pytest.raises(ConflictError):
            world.orders.refund(
                world.ctx, store_id, order_id, lines=[{"sku": next(iter(lines)), "quantity": 1}]
            )


def test_refunding_what_was_left_to_ship_makes_the_order_shipped(
    world: World, store_id: UUID, rate: UUID
) -> None:
    """Issue 11: paid 3, shipped 2, the third refunded: nothing is left to ship."""
    order_id = buy(world, store_id, rate, {"A-1": 3})
    world.orders.record_payment(world.ctx, store_id, order_id, amount=total({"A-1": 3}))
    world.orders.ship(
        world.ctx, store_id, order_id, carrier="Post", lines=[{"sku": "A-1", "quantity": 2}]
    )

    world.orders.refund(
        world.ctx, store_id, order_id, lines=[{"sku": "A-1", "quantity": 1}], reason="short"
    )

    order = world.orders.get(store_id, order_id)
    assert (order.status, order.refunded_amount) == ("shipped", PRICES["A-1"])
    assert stock(world, store_id, "A-1") == (48, 48)  # the third was released, not shipped
    with pytest.raises(ConflictError):
        world.orders.ship(world.ctx, store_id, order_id, carrier="Post")
    world.orders.deliver(world.ctx, store_id, order_id)
    assert status(world, store_id, order_id) == "delivered"


def test_another_store_s_order_does_not_exist_here(
    world: World, store_id: UUID, rate: UUID
) -> None:
    other = world.new_store("other")
    world.on_sale(other, "A-1")
    theirs = buy(world, other, world.flat_rate(other), {"A-1": 1})
    head = world.platform.head()

    for missing in (theirs, uuid4()):
        with pytest.raises(OrderNotFoundError):
            world.orders.get(store_id, missing)
        with pytest.raises(OrderNotFoundError):
            world.orders.record_payment(world.ctx, store_id, missing, amount=1)
        with pytest.raises(OrderNotFoundError):
            world.orders.cancel(world.ctx, store_id, missing, reason="x")
        with pytest.raises(OrderNotFoundError):
            world.orders.add_note(world.ctx, store_id, missing, text="x")
    assert world.platform.head() == head


def test_the_contact_is_gone_once_the_customer_is_erased(
    world: World, store_id: UUID, rate: UUID
) -> None:
    customer_id = world.register_customer(store_id)
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="A-1", quantity=1)
    placed = world.check_out(
        store_id, mine, rate, customer_id=customer_id, shipping_address=dict(ADDRESS)
    )
    assert world.orders.contact(placed.order) is not None

    world.customers.erase(world.ctx, store_id, customer_id, by="store")

    order = world.orders.get(store_id, placed.order_id)
    assert world.orders.contact(order) is None
    assert order.total == placed.order.total  # the store's figures stay
