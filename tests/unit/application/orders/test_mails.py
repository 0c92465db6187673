"""The order confirmation on the in-memory world, from the log to the mailer: it leaves once,
with the order's number, lines, totals and how to pay; it waits for the number; a person
erased since gets none."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.cart.app import CartRef
from application.orders.mails import OrderNotNumberedYetError
from tests.unit.application.world import ADDRESS, SHOPPER, World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def shop(world: World) -> tuple[UUID, UUID]:
    store_id = world.new_store("socks")
    world.on_sale(store_id, "SOCK-36", amount=1999, size="36")
    world.on_sale(store_id, "SOCK-37", amount=2500)
    return store_id, world.flat_rate(store_id, 490)


def test_the_confirmation_leaves_once_with_number_lines_totals_and_payment(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    ref = world.guest_cart(store_id, {"SOCK-36": 2, "SOCK-37": 1})
    placed = world.check_out(store_id, ref, rate, email="Guest.Buyer@Example.org")

    (mail,) = world.deliver()
    assert world.deliver() == []

    assert mail.to == "guest.buyer@example.org"
    assert mail.subject == "Your order SOCKS-000001 at Shop"
    assert "Order SOCKS-000001" in mail.text
    assert "2 x Product SOCK-36 (size: 36) [SOCK-36]  39.98 EUR" in mail.text
    assert "1 x Product SOCK-37 [SOCK-37]  25.00 EUR" in mail.text
    assert "Shipping   4.90 EUR  (Post)" in mail.text
    assert "Total      69.88 EUR" in mail.text
    assert "Amount to pay: 69.88 EUR." in mail.text  # the fake provider's kind of payment
    assert ADDRESS["line1"] in mail.text
    # The queued job held the order's id and nothing personal.
    (job,) = [c for c in world.jobs.calls if c.args and c.args[0] == "orders.confirmation"]
    assert job.args[1] == {"order_id": str(placed.order_id)}


def test_the_numbers_follow_each_store_s_orders(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    for _ in range(2):
        world.check_out(store_id, world.guest_cart(store_id, {"SOCK-37": 1}), rate)

    assert [m.subject.split()[2] for m in world.deliver()] == ["SOCKS-000001", "SOCKS-000002"]


def test_a_mail_waits_for_the_order_s_number(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    placed = world.check_out(store_id, world.guest_cart(store_id, {"SOCK-37": 1}), rate)
    world.reads.unnumbered.add(placed.order_id)

    with pytest.raises(OrderNotNumberedYetError):
        world.deliver()
    assert world.mailer.sent == []
    world.reads.unnumbered.clear()

    assert len(world.deliver()) == 1  # the retry


def test_a_person_erased_since_gets_no_mail(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    customer_id = world.register_customer(store_id)
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="SOCK-37", quantity=1)
    world.check_out(store_id, mine, rate, customer_id=customer_id, shipping_address=dict(ADDRESS))
    world.customers.erase(world.ctx, store_id, customer_id, by="customer")

    assert world.deliver() == []
