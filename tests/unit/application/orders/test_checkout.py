"""Checkout on the in-memory world: the order, its stock and its emptied cart in one save; who
the buyer is and where it goes; totals from the rate and the tax policy; the payment port;
short lines, empty carts and bad details that write nothing; retries with the same key; and
the stock a checkout holds from its start."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from domain.inventory.errors import InsufficientStockError
from domain.orders.aggregates import Order
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from tests.unit.application.world import ADDRESS, SHOPPER, World

PRICES = {"SOCK-36": 1999, "SOCK-37": 2500, "SOCK-38": 750}
SHIPPING = 490


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    store_id = world.new_store()
    for sku, price in PRICES.items():
        world.on_sale(store_id, sku, amount=price, stock=10)
    return store_id


@pytest.fixture
def rate(world: World, store_id: UUID) -> UUID:
    return world.flat_rate(store_id, SHIPPING)


def available(world: World, store_id: UUID, sku: str) -> int:
    return world.inventory.available(store_id, sku, world.clock.now())


def placed_orders(world: World) -> list[Order]:
    return [
        world.app.repository.get(UUID(str(n.originator_id)))
        for n in world.app.recorder.select_notifications(1, 10_000)
        if n.topic.endswith("Order.Placed")
    ]


# -- a guest's order ----------------------------------------------------------------------------


def test_a_guest_s_order_reserves_its_stock_and_empties_the_cart(
    world: World, store_id: UUID, rate: UUID
) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 2, "SOCK-37": 1})

    placed = world.check_out(store_id, ref, rate, email="Guest.Shopper@Example.org")

    order = placed.order
    subtotal = 2 * PRICES["SOCK-36"] + PRICES["SOCK-37"]
    assert order.totals == {
        "subtotal": subtotal,
        "shipping": SHIPPING,
        "discount": 0,
        "tax": 0,
        "total": subtotal + SHIPPING,
    }
    assert (order.status, order.currency, order.customer_id, order.cart_id) == (
        "pending_payment",
        "EUR",
        None,
        ref.cart_id,
    )
    assert order.shipping_method == {"rate_id": rate, "name": "Post", "amount": SHIPPING}
    assert [(line["sku"], line["quantity"]) for line in order.lines] == [
        ("SOCK-36", 2),
        ("SOCK-37", 1),
    ]
    assert available(world, store_id, "SOCK-36") == 8
    assert available(world, store_id, "SOCK-37") == 9
    assert world.carts.view(store_id, ref)["lines"] == []
    # The order, its stock items and the emptied cart were one command: one save.
    assert placed.result.version == 1 and world.orders.get(store_id, placed.order_id) == order


def test_the_guest_s_contact_is_sealed_in_the_order_for_the_order_alone(
    world: World, store_id: UUID, rate: UUID
) -> None:
    billing = {**ADDRESS, "company": "Lovelace SARL", "city": "Esch-sur-Alzette"}
    ref = world.guest_cart(store_id, {"SOCK-38": 3})

    placed = world.check_out(
        store_id, ref, rate, email="Guest.Shopper@Example.org", billing_address=billing
    )

    contact = world.orders.contact(placed.order)
    assert contact is not None and contact["email"] == "guest.shopper@example.org"
    assert contact["shipping_address"]["city"] == "Luxembourg"
    assert contact["billing_address"]["company"] == "Lovelace SARL"
    assert placed.order.subject_id == placed.order_id  # a guest's own key: the order's
    assert world.personal.sealed[-1] == placed.order_id


def test_billing_defaults_to_the_shipping_address(world: World, store_id: UUID, rate: UUID) -> None:
    placed = world.check_out(store_id, world.guest_cart(store_id, {"SOCK-36": 1}), rate)

    contact = world.orders.contact(placed.order)
    assert contact is not None and contact["billing_address"] == contact["shipping_address"]


def test_the_payment_provider_of_the_method_answers_how_to_pay(
    world: World, store_id: UUID, rate: UUID
) -> None:
    manual, on_delivery = world.payments

    first = world.check_out(store_id, world.guest_cart(store_id, {"SOCK-36": 1}), rate)
    second = world.check_out(
        store_id,
        world.guest_cart(store_id, {"SOCK-36": 1}),
        rate,
        payment_method="cash_on_delivery",
    )

    assert first.payment["kind"] == "fake:manual" and first.payment["amount"] == first.order.total
    assert [a.order_id for a in manual.asked] == [first.order_id]
    assert [a.order_id for a in on_delivery.asked] == [second.order_id]
    assert (first.order.status, first.order.payment_due_at is not None) == ("pending_payment", True)
    # Cash on delivery waits for no payment: the store prepares the parcel at once.
    assert (second.order.status, second.order.payment_due_at) == ("processing", None)


def test_payment_is_due_within_the_store_s_timeout(
    world: World, store_id: UUID, rate: UUID
) -> None:
    world.commerce.change_settings(world.ctx, store_id, {"payment_timeout_hours": 2})

    placed = world.check_out(store_id, world.guest_cart(store_id, {"SOCK-36": 1}), rate)

    due = placed.order.payment_due_at
    assert due is not None and due - placed.order.created_on == timedelta(hours=2)


def test_the_tax_policy_is_asked_with_the_lines_countries_and_vat_number_and_kept(
    world: World, store_id: UUID, rate: UUID
) -> None:
    world.tax.rate = Decimal(17)
    billing = {**ADDRESS, "company": "Lovelace SARL", "vat_number": "LU15027442"}

    placed = world.check_out(
        store_id,
        world.guest_cart(store_id, {"SOCK-38": 2}),
        rate,
        shipping_address={**ADDRESS, "country": "BE"},
        billing_address=billing,
    )

    assert world.tax.asked == [
        {
            "lines": [("SOCK-38", "standard", 2)],
            "shipping": SHIPPING,
            "store_country": "LU",
            "buyer_country": "BE",
            "buyer_vat_number": "LU15027442",
        }
    ]
    # 17 % of the net, rounded half up once.
    net = 2 * 750 + SHIPPING
    tax = (net * 17 + 50) // 100
    assert placed.order.totals["tax"] == tax
    assert placed.order.total == net + tax
    # The order keeps what it was taxed with, line by line and per rate.
    kept = placed.order.tax
    assert kept is not None
    assert kept["breakdown"] == [{"rate": "17", "taxable": net, "vat": tax}]
    assert [line["tax_category"] for line in placed.order.lines] == ["standard"]


# -- a customer's order --------------------------------------------------------------------------


@pytest.fixture
def customer_id(world: World, store_id: UUID) -> UUID:
    return world.register_customer(store_id, "ada@example.org")


def test_a_customer_checks_out_their_own_cart_to_their_default_address(
    world: World, store_id: UUID, rate: UUID, customer_id: UUID
) -> None:
    world.customers.add_address(SHOPPER, store_id, customer_id, address=ADDRESS)
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="SOCK-37", quantity=2)

    placed = world.check_out(store_id, mine, rate, customer_id=customer_id)

    assert placed.order.customer_id == customer_id == placed.order.subject_id
    contact = world.orders.contact(placed.order)
    assert contact is not None and contact["email"] == "ada@example.org"
    assert contact["shipping_address"]["line1"] == ADDRESS["line1"]
    assert world.carts.view(store_id, mine)["lines"] == []


def test_a_customer_s_saved_address_by_id_and_someone_else_s_refused(
    world: World, store_id: UUID, rate: UUID, customer_id: UUID
) -> None:
    world.customers.add_address(SHOPPER, store_id, customer_id, address=ADDRESS)
    world.customers.add_address(
        SHOPPER, store_id, customer_id, address={**ADDRESS, "city": "Esch-sur-Alzette"}
    )
    work = next(
        a["id"]
        for a in world.customers.addresses(world.customers.get(store_id, customer_id))
        if a["city"] == "Esch-sur-Alzette"
    )
    bob = world.register_customer(store_id, "bob@example.org")
    world.customers.add_address(SHOPPER, store_id, bob, address=ADDRESS)
    (bobs,) = world.customers.addresses(world.customers.get(store_id, bob))
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="SOCK-37", quantity=1)
    head = world.platform.head()

    with pytest.raises(ValidationError) as raised:
        world.check_out(
            store_id, mine, rate, customer_id=customer_id, shipping_address_id=bobs["id"]
        )
    assert raised.value.field == "shipping_address_id"
    assert world.platform.head() == head

    placed = world.check_out(store_id, mine, rate, customer_id=customer_id, billing_address_id=work)
    contact = world.orders.contact(placed.order)
    assert contact is not None
    assert (contact["shipping_address"]["city"], contact["billing_address"]["city"]) == (
        "Luxembourg",
        "Esch-sur-Alzette",
    )


def test_a_customer_with_no_address_must_give_one(
    world: World, store_id: UUID, rate: UUID, customer_id: UUID
) -> None:
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="SOCK-37", quantity=1)

    with pytest.raises(ValidationError) as raised:
        world.check_out(store_id, mine, rate, customer_id=customer_id)

    assert raised.value.field == "shipping_address"


def test_a_deactivated_or_another_shop_s_customer_cannot_check_out(
    world: World, store_id: UUID, rate: UUID, customer_id: UUID
) -> None:
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="SOCK-37", quantity=1)
    world.customers.deactivate(world.ctx, store_id, customer_id, reason="fraud")
    other = world.new_store("other")
    stranger = world.register_customer(other, "eve@example.org")

    for who in (customer_id, stranger):
        with pytest.raises(NotFoundError):
            world.check_out(store_id, mine, rate, customer_id=who, shipping_address=dict(ADDRESS))
    assert placed_orders(world) == []


# -- refusals that write nothing ---------------------------------------------------------------


def details(rate: UUID, **changes: Any) -> CheckoutDetails:
    chosen: dict[str, Any] = {
        "shipping_rate_id": rate,
        "payment_method": "manual",
        "email": "guest@example.org",
        "shipping_address": dict(ADDRESS),
    }
    return CheckoutDetails(**{**chosen, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"email": None}, "email"),
        ({"email": "not an e-mail"}, "email"),
        ({"shipping_address": None}, "shipping_address"),
        ({"shipping_address": {**ADDRESS, "country": "XX"}}, "shipping_address.country"),
        ({"shipping_address": {**ADDRESS, "line1": ""}}, "shipping_address.line1"),
        (
            {"billing_address": {**ADDRESS, "vat_number": "LU15027443"}},
            "billing_address.vat_number",
        ),
        ({"billing_address_id": UUID(int=1)}, "billing_address_id"),
        ({"shipping_address_id": UUID(int=1)}, "shipping_address"),
    ],
)
def test_bad_details_name_the_field_and_write_nothing(
    world: World, store_id: UUID, rate: UUID, changes: dict[str, Any], field: str
) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 1})
    head, sealed = world.platform.head(), len(world.personal.sealed)
    ctx = CommandContext(actor="shopper:test", idempotency_key="k")

    with pytest.raises(ValidationError) as raised:
        world.checkout.place(ctx, store_id, ref, details(rate, **changes))

    assert raised.value.field == field
    assert world.platform.head() == head
    assert len(world.personal.sealed) == sealed


def test_a_checkout_needs_an_idempotency_key(world: World, store_id: UUID, rate: UUID) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 1})

    with pytest.raises(ValidationError) as raised:
        world.checkout.place(CommandContext(actor="shopper:test"), store_id, ref, details(rate))

    assert raised.value.field == "Idempotency-Key" and "required" in raised.value.detail
    assert placed_orders(world) == []


def test_a_rate_that_does_not_ship_there_or_is_not_the_store_s_is_refused(
    world: World, store_id: UUID
) -> None:
    belgium_only = world.flat_rate(store_id, 300, "BE")
    other = world.new_store("other")
    theirs = world.flat_rate(other, 100)
    ref = world.guest_cart(store_id, {"SOCK-36": 1})

    for rate in (belgium_only, theirs):
        with pytest.raises(ValidationError) as raised:
            world.check_out(store_id, ref, rate)
        assert raised.value.field == "shipping_rate_id"
        assert str(belgium_only) not in raised.value.detail  # only rates for LU are offered
    placed = world.check_out(
        store_id, ref, belgium_only, shipping_address={**ADDRESS, "country": "BE"}
    )
    assert placed.order.totals["shipping"] == 300


def test_an_empty_cart_is_a_conflict(world: World, store_id: UUID, rate: UUID) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 1})
    world.carts.clear(SHOPPER, store_id, ref)
    head = world.platform.head()

    with pytest.raises(ConflictError, match="empty"):
        world.check_out(store_id, ref, rate)
    with pytest.raises(ConflictError, match="empty"):
        world.check_out(store_id, CartRef(), rate)

    assert world.platform.head() == head


def test_short_lines_are_named_each_nothing_is_reserved_and_the_cart_is_kept(
    world: World, store_id: UUID, rate: UUID
) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 3, "SOCK-37": 4, "SOCK-38": 1})
    # Since the lines went into the cart, stock was lost and others bought.
    world.inventory.adjust(world.ctx, store_id, sku="SOCK-36", delta=-8, reason="damage")
    world.check_out(store_id, world.guest_cart(store_id, {"SOCK-37": 7}), rate)
    head = world.platform.head()
    sealed = len(world.personal.sealed)

    with pytest.raises(InsufficientStockError) as raised:
        world.check_out(store_id, ref, rate)

    assert raised.value.fields["lines"] == [
        {"sku": "SOCK-36", "requested": 3, "available": 2},
        {"sku": "SOCK-37", "requested": 4, "available": 3},
    ]
    assert "SOCK-36" in raised.value.detail and "SOCK-37" in raised.value.detail
    assert world.platform.head() == head
    assert len(world.personal.sealed) == sealed  # a refused checkout leaves no key behind
    assert [available(world, store_id, s) for s in PRICES] == [2, 3, 10]
    lines = world.carts.view(store_id, ref)["lines"]
    assert {line["sku"]: line["quantity"] for line in lines} == {
        "SOCK-36": 3,
        "SOCK-37": 4,
        "SOCK-38": 1,
    }


def test_stock_is_drawn_from_the_default_location_first_then_the_others(
    world: World, store_id: UUID, rate: UUID
) -> None:
    (main,) = world.inventory.location_ids(store_id)
    _, depot = world.inventory.add_location(world.ctx, store_id, code="depot", name="Depot")
    world.inventory.receive(world.ctx, store_id, sku="SOCK-36", quantity=5, location_id=depot)

    placed = world.check_out(store_id, world.guest_cart(store_id, {"SOCK-36": 12}), rate)

    assert placed.order.lines[0]["allocations"] == [
        {"location_id": main, "quantity": 10},
        {"location_id": depot, "quantity": 2},
    ]
    by_location = {i.location_id: i for i in world.inventory.items(store_id, "SOCK-36")}
    now = world.clock.now()
    assert (by_location[main].available(now), by_location[depot].available(now)) == (0, 3)


# -- retries --------------------------------------------------------------------------------------


def test_a_retried_checkout_answers_the_first_order_as_it_was_placed(
    world: World, store_id: UUID, rate: UUID
) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 2})
    first = world.check_out(store_id, ref, rate, key="k-1")
    world.orders.record_payment(world.ctx, store_id, first.order_id, amount=first.order.total)
    head = world.platform.head()

    again = world.check_out(store_id, ref, rate, key="k-1")

    assert again.result.replayed and again.order_id == first.order_id
    assert (again.order.status, again.order.version) == ("pending_payment", 1)
    assert again.payment == first.payment
    assert world.platform.head() == head
    assert [o.id for o in placed_orders(world)] == [first.order_id]
    assert available(world, store_id, "SOCK-36") == 8
    with pytest.raises(ValidationError) as raised:
        world.checkout.place(
            CommandContext(actor="shopper:test", idempotency_key="k-1", request_fingerprint="x"),
            store_id,
            ref,
            details(rate),
        )
    assert raised.value.field == "Idempotency-Key"


# -- checkout holds ---------------------------------------------------------------------------


def test_start_holds_nothing_unless_the_store_wants_it(world: World, store_id: UUID) -> None:
    ref = world.guest_cart(store_id, {"SOCK-36": 2})
    head = world.platform.head()

    assert world.checkout.start(SHOPPER, store_id, ref) == (None, None)
    assert world.platform.head() == head


def test_start_holds_the_cart_s_stock_which_becomes_the_order_s(
    world: World, store_id: UUID, rate: UUID
) -> None:
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    rival = world.guest_cart(store_id, {"SOCK-36": 5})
    ref = world.guest_cart(store_id, {"SOCK-36": 6})

    result, expires = world.checkout.start(SHOPPER, store_id, ref)

    assert result is not None and expires is not None
    assert timedelta(minutes=14) < expires - world.clock.now() <= timedelta(minutes=15)
    assert available(world, store_id, "SOCK-36") == 4  # others see what is left
    with pytest.raises(InsufficientStockError) as short:
        world.check_out(store_id, rival, rate)
    assert short.value.fields["lines"] == [{"sku": "SOCK-36", "requested": 5, "available": 4}]

    placed = world.check_out(store_id, ref, rate)

    (item,) = world.inventory.items(store_id, "SOCK-36")
    assert item.reservations == {
        str(placed.order_id): {"quantity": 6, "order_id": placed.order_id, "expires_at": None}
    }
    assert available(world, store_id, "SOCK-36") == 4


def test_starting_again_renews_the_hold_and_an_empty_cart_holds_nothing(
    world: World, store_id: UUID
) -> None:
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    ref = world.guest_cart(store_id, {"SOCK-36": 6})
    _, first = world.checkout.start(SHOPPER, store_id, ref)
    world.clock.advance(minutes=10)

    _, renewed = world.checkout.start(SHOPPER, store_id, ref)

    assert first is not None and renewed is not None and renewed > first
    world.clock.advance(minutes=10)  # past the first hold, within the renewed one
    assert available(world, store_id, "SOCK-36") == 4
    world.carts.clear(SHOPPER, store_id, ref)
    with pytest.raises(ConflictError, match="empty"):
        world.checkout.start(SHOPPER, store_id, ref)


def test_start_refuses_what_is_not_there_and_holds_nothing(world: World, store_id: UUID) -> None:
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    ref = world.guest_cart(store_id, {"SOCK-36": 6, "SOCK-37": 2})
    world.inventory.adjust(world.ctx, store_id, sku="SOCK-36", delta=-5, reason="loss")
    head = world.platform.head()

    with pytest.raises(InsufficientStockError) as raised:
        world.checkout.start(SHOPPER, store_id, ref)

    assert raised.value.fields["lines"] == [{"sku": "SOCK-36", "requested": 6, "available": 5}]
    assert world.platform.head() == head


def test_a_hold_the_order_does_not_draw_on_is_let_go(
    world: World, store_id: UUID, rate: UUID
) -> None:
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    _, depot = world.inventory.add_location(world.ctx, store_id, code="depot", name="Depot")
    world.inventory.receive(world.ctx, store_id, sku="SOCK-36", quantity=5, location_id=depot)
    ref = world.guest_cart(store_id, {"SOCK-36": 3})
    # The default location is empty when checkout starts: the hold lands on the depot ...
    world.inventory.adjust(world.ctx, store_id, sku="SOCK-36", delta=-10, reason="loss")
    world.checkout.start(SHOPPER, store_id, ref)
    # ... and stock comes back at the default location, drawn from first, before the shopper pays.
    world.inventory.receive(world.ctx, store_id, sku="SOCK-36", quantity=10)

    placed = world.check_out(store_id, ref, rate)

    now = world.clock.now()
    by_location = {item.location_id: item for item in world.inventory.items(store_id, "SOCK-36")}
    at_depot = by_location.pop(depot)
    (at_main,) = by_location.values()
    assert list(at_main.reservations) == [str(placed.order_id)]
    assert (at_main.available(now), at_depot.available(now)) == (7, 5)  # the hold is let go
    assert at_depot.reservations == {}


def test_a_cart_of_another_shop_is_not_found_at_checkout(
    world: World, store_id: UUID, rate: UUID
) -> None:
    other = world.new_store("other")
    world.on_sale(other, "THEIRS-1")
    foreign = world.guest_cart(other, {"THEIRS-1": 1})

    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    head = world.platform.head()

    with pytest.raises(NotFoundError):
        world.check_out(store_id, foreign, rate)
    with pytest.raises(NotFoundError):
        world.checkout.start(SHOPPER, store_id, foreign)
    assert world.platform.head() == head
