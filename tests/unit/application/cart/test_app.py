"""Carts on the in-memory world: a guest's by its signed token, a customer's by their id;
what may be added (on sale, in stock: the cart's own checkout hold counts as its own), the
guest's cart merged into the customer's at sign-in, and refusals that write nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest

from application.cart.app import CartRef
from domain.cart.errors import CartLineNotFoundError
from domain.inventory.errors import InsufficientStockError
from domain.shared.errors import AuthenticationError, NotFoundError, ValidationError
from domain.shared.ids import customer_cart_id
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import SHOPPER, World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    store_id = world.new_store()
    world.on_sale(store_id, "MUG", amount=1250, stock=10, weight_grams="400")
    world.on_sale(store_id, "TEA", amount=499, stock=3)
    return store_id


def quantities(world: World, store_id: UUID, ref: CartRef) -> dict[str, int]:
    return {line["sku"]: line["quantity"] for line in world.carts.view(store_id, ref)["lines"]}


def test_a_guest_cart_is_made_by_its_first_line_and_found_by_its_token(
    world: World, store_id: UUID
) -> None:
    added = world.carts.add(SHOPPER, store_id, CartRef(), sku="mug", quantity=2)
    token = world.carts.token_for(added.id)
    ref = world.carts.ref_from_token(token)
    world.carts.add(SHOPPER, store_id, ref, sku="MUG", quantity=1)
    world.carts.add(SHOPPER, store_id, ref, sku="TEA", quantity=3)

    view = world.carts.view(store_id, ref)
    assert ref.cart_id == added.id == view["id"]
    assert {line["sku"]: line["quantity"] for line in view["lines"]} == {"MUG": 3, "TEA": 3}
    mug = next(line for line in view["lines"] if line["sku"] == "MUG")
    assert (mug["unit_price"], mug["line_total"], mug["available"]) == (1250, 3750, 10)
    assert mug["weight_grams"] == 400
    assert (view["subtotal"], view["item_count"], view["currency"]) == (3750 + 1497, 6, "EUR")

    world.carts.change_quantity(SHOPPER, store_id, ref, sku="MUG", quantity=1)
    world.carts.remove(SHOPPER, store_id, ref, sku="TEA")
    assert quantities(world, store_id, ref) == {"MUG": 1}
    world.carts.clear(SHOPPER, store_id, ref)
    assert quantities(world, store_id, ref) == {}


def test_a_cart_not_made_yet_reads_empty_in_the_store_s_currency(
    world: World, store_id: UUID
) -> None:
    view = world.carts.view(store_id, CartRef())

    assert (view["id"], view["lines"], view["subtotal"], view["currency"]) == (None, [], 0, "EUR")


def test_a_forged_or_foreign_purpose_token_is_refused(world: World, store_id: UUID) -> None:
    token = world.carts.token_for(
        world.carts.add(SHOPPER, store_id, CartRef(), sku="MUG", quantity=1).id
    )
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    reset = world.keyring.sign_ids("reset:customer", UUID(int=1))

    for bad in (forged, "not-a-token", token.split(".")[0], reset):
        with pytest.raises(AuthenticationError):
            world.carts.ref_from_token(bad)


def test_more_than_available_is_refused_saying_how_many_are_left(
    world: World, store_id: UUID
) -> None:
    world.on_sale(store_id, "NONE-LEFT", stock=0)
    ref = CartRef(cart_id=world.carts.add(SHOPPER, store_id, CartRef(), sku="TEA", quantity=2).id)
    head = world.platform.head()

    with pytest.raises(InsufficientStockError) as raised:
        world.carts.add(SHOPPER, store_id, ref, sku="TEA", quantity=2)
    assert raised.value.fields == {"sku": "TEA", "available": 3, "requested": 4}
    assert "only 3 left" in raised.value.detail
    with pytest.raises(InsufficientStockError):
        world.carts.change_quantity(SHOPPER, store_id, ref, sku="TEA", quantity=4)
    with pytest.raises(InsufficientStockError) as sold_out:
        world.carts.add(SHOPPER, store_id, CartRef(), sku="NONE-LEFT", quantity=1)
    assert sold_out.value.fields["available"] == 0

    assert world.platform.head() == head
    world.carts.change_quantity(SHOPPER, store_id, ref, sku="TEA", quantity=1)  # lowering: fine
    assert quantities(world, store_id, ref) == {"TEA": 1}


def test_the_cart_s_own_checkout_hold_counts_as_available_to_it(
    world: World, store_id: UUID
) -> None:
    """Issue 11: holding 4 of 10 (checkout started), the shopper may raise the line to 10, as
    checkout would let them buy 10; anyone else sees 6."""
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    mine = world.guest_cart(store_id, {"MUG": 4})
    world.checkout.start(SHOPPER, store_id, mine)
    assert world.carts.view(store_id, mine)["lines"][0]["available"] == 10

    rival = world.guest_cart(store_id, {"MUG": 6})
    assert world.carts.view(store_id, rival)["lines"][0]["available"] == 6
    with pytest.raises(InsufficientStockError) as raised:
        world.carts.change_quantity(SHOPPER, store_id, rival, sku="MUG", quantity=7)
    assert raised.value.fields["available"] == 6

    world.carts.change_quantity(SHOPPER, store_id, mine, sku="MUG", quantity=10)
    assert quantities(world, store_id, mine) == {"MUG": 10}
    with pytest.raises(InsufficientStockError) as more:
        world.carts.add(SHOPPER, store_id, mine, sku="MUG", quantity=1)
    assert more.value.fields["available"] == 10


def test_only_what_is_on_sale_in_this_shop_may_be_added(world: World, store_id: UUID) -> None:
    draft = world.new_product(store_id, "DRAFT-1")
    other = world.new_store("other")
    world.on_sale(other, "THEIRS-1")
    head = world.platform.head()

    for sku in ("NO-SUCH-SKU", "DRAFT-1", "THEIRS-1"):
        with pytest.raises(NotFoundError) as raised:
            world.carts.add(SHOPPER, store_id, CartRef(), sku=sku, quantity=1)
        assert raised.value.fields == {"sku": sku}
    world.catalog.publish(world.ctx, store_id, draft)
    world.catalog.unpublish(world.ctx, store_id, draft)
    head = world.platform.head()
    with pytest.raises(NotFoundError):
        world.carts.add(SHOPPER, store_id, CartRef(), sku="DRAFT-1", quantity=1)
    assert world.platform.head() == head


@pytest.mark.parametrize("quantity", [0, 1000, "2", 1.5, True])
def test_a_bad_quantity_names_the_field_and_writes_nothing(
    world: World, store_id: UUID, quantity: Any
) -> None:
    ref = world.guest_cart(store_id, {"MUG": 1})
    head = world.platform.head()

    with pytest.raises(ValidationError) as added:
        world.carts.add(SHOPPER, store_id, ref, sku="MUG", quantity=quantity)
    with pytest.raises(ValidationError) as changed:
        world.carts.change_quantity(SHOPPER, store_id, ref, sku="MUG", quantity=quantity)

    assert added.value.field == changed.value.field == "quantity"
    assert world.platform.head() == head


def test_lines_not_in_the_cart_and_carts_not_made_are_not_found(
    world: World, store_id: UUID
) -> None:
    ref = world.guest_cart(store_id, {"MUG": 1})
    head = world.platform.head()

    with pytest.raises(CartLineNotFoundError) as raised:
        world.carts.change_quantity(SHOPPER, store_id, ref, sku="NOPE", quantity=1)
    assert raised.value.fields == {"sku": "NOPE"}
    with pytest.raises(CartLineNotFoundError):
        world.carts.remove(SHOPPER, store_id, ref, sku="NOPE")
    with pytest.raises(NotFoundError):
        world.carts.clear(SHOPPER, store_id, CartRef())
    assert world.platform.head() == head


def test_another_shop_s_cart_is_never_found_nor_changed_here(world: World, store_id: UUID) -> None:
    other = world.new_store("other")
    world.on_sale(other, "THEIRS-1")
    foreign = world.guest_cart(other, {"THEIRS-1": 1})
    head = world.platform.head()

    assert world.carts.find(store_id, foreign) is None
    assert world.carts.view(store_id, foreign)["lines"] == []
    with pytest.raises(NotFoundError):
        world.carts.add(SHOPPER, store_id, foreign, sku="MUG", quantity=1)
    with pytest.raises(NotFoundError):
        world.carts.remove(SHOPPER, store_id, foreign, sku="THEIRS-1")
    with pytest.raises(NotFoundError):
        world.carts.find_own(store_id, foreign)
    assert world.platform.head() == head
    assert quantities(world, other, foreign) == {"THEIRS-1": 1}


def test_a_closed_shop_takes_no_lines(world: World, store_id: UUID) -> None:
    ref = world.guest_cart(store_id, {"MUG": 1})
    world.stores.suspend(world.ctx, store_id, reason="unpaid invoices")

    with pytest.raises(StoreNotFoundError):
        world.carts.add(SHOPPER, store_id, CartRef(), sku="MUG", quantity=1)
    world.stores.reactivate(world.ctx, store_id)
    world.carts.add(SHOPPER, store_id, ref, sku="MUG", quantity=1)


def test_a_retried_add_replays_and_writes_nothing(world: World, store_id: UUID) -> None:
    ref = world.guest_cart(store_id, {"MUG": 1})
    ctx = replace(SHOPPER, idempotency_key="add-once", request_fingerprint="f")
    first = world.carts.add(ctx, store_id, ref, sku="MUG", quantity=2)
    head = world.platform.head()

    again = world.carts.add(ctx, store_id, ref, sku="MUG", quantity=2)

    assert (again.id, again.version, again.replayed) == (first.id, first.version, True)
    assert world.platform.head() == head
    assert quantities(world, store_id, ref) == {"MUG": 3}


# -- customers ---------------------------------------------------------------------------------


def test_a_customer_has_one_cart_under_their_id(world: World, store_id: UUID) -> None:
    customer_id = world.register_customer(store_id)
    mine = CartRef(customer_id=customer_id)

    added = world.carts.add(SHOPPER, store_id, mine, sku="MUG", quantity=2)

    assert added.id == customer_cart_id(customer_id) == mine.cart_id
    assert not mine.is_new_guest
    assert quantities(world, store_id, CartRef(customer_id=customer_id)) == {"MUG": 2}


def test_the_guest_cart_joins_the_customer_s_capped_by_what_is_available(
    world: World, store_id: UUID
) -> None:
    customer_id = world.register_customer(store_id)
    mine = CartRef(customer_id=customer_id)
    world.carts.add(SHOPPER, store_id, mine, sku="TEA", quantity=2)
    guest = world.guest_cart(store_id, {"MUG": 2, "TEA": 3})

    merged = world.carts.merge_guest_cart(SHOPPER, store_id, guest, customer_id)

    assert merged is not None and merged.id == mine.cart_id
    # Quantities add up, capped by what is available (TEA: 2 + 3 wanted, 3 in stock).
    assert quantities(world, store_id, mine) == {"TEA": 3, "MUG": 2}
    assert quantities(world, store_id, guest) == {}
    head = world.platform.head()
    assert world.carts.merge_guest_cart(SHOPPER, store_id, guest, customer_id) is None
    assert world.platform.head() == head


def test_only_a_guest_cart_of_this_shop_is_merged(world: World, store_id: UUID) -> None:
    customer_id = world.register_customer(store_id)
    someone = world.register_customer(store_id, "bob@example.org")
    theirs = world.guest_cart(store_id, {"MUG": 1})
    world.carts.merge_guest_cart(SHOPPER, store_id, theirs, someone)  # now an empty guest cart
    other = world.new_store("other")
    world.on_sale(other, "THEIRS-1")
    foreign = world.guest_cart(other, {"THEIRS-1": 1})
    customers_cart = CartRef(cart_id=customer_cart_id(someone))
    head = world.platform.head()

    for ref in (theirs, foreign, customers_cart, CartRef()):
        assert world.carts.merge_guest_cart(SHOPPER, store_id, ref, customer_id) is None
    assert world.platform.head() == head
