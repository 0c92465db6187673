"""Inventory's use cases on the in-memory world: movements, the SKU they name, locations and
the order stock is drawn from, stock that checkout holds or reserves, and retries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from domain.inventory.errors import InsufficientStockError, LocationNotFoundError
from domain.inventory.values import checkout_hold_id
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    store_id = world.new_store()
    world.new_product(store_id, "MUG-BLUE", "MUG/RED")
    return store_id


def on_hand(world: World, store_id: UUID, sku: str) -> list[int]:
    return [item.on_hand for item in world.inventory.items(store_id, sku)]


def test_receive_adjust_and_count_move_the_stock_item_of_the_sku(
    world: World, store_id: UUID
) -> None:
    received = world.inventory.receive(world.ctx, store_id, sku="mug-blue", quantity=10)
    world.inventory.adjust(world.ctx, store_id, sku="MUG-BLUE", delta=-2, reason="damage")
    counted = world.inventory.count(world.ctx, store_id, sku="MUG-BLUE", counted=5)
    world.inventory.set_threshold(world.ctx, store_id, sku="MUG-BLUE", threshold=6)

    (item,) = world.inventory.items(store_id, "MUG-BLUE")
    assert received.id == counted.id == item.id
    assert item.sku == "MUG-BLUE"  # as the catalog writes it, whatever case was given
    assert (item.on_hand, item.low_stock_threshold) == (5, 6)
    assert item.is_low(world.clock.now())
    assert received.version == 2  # created and received in one command


def test_a_count_to_what_is_on_hand_records_nothing_new(world: World, store_id: UUID) -> None:
    world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=3)
    before = world.inventory.items(store_id, "MUG-BLUE")[0].version

    world.inventory.count(world.ctx, store_id, sku="MUG-BLUE", counted=3)

    assert world.inventory.items(store_id, "MUG-BLUE")[0].version == before


def test_a_sku_no_product_of_the_store_has_is_not_found_by_name(
    world: World, store_id: UUID
) -> None:
    elsewhere = world.new_store("elsewhere")
    world.new_product(elsewhere, "THEIRS-1")
    head = world.platform.head()

    for sku in ("NOPE-1", "THEIRS-1"):
        with pytest.raises(NotFoundError) as raised:
            world.inventory.receive(world.ctx, store_id, sku=sku, quantity=1)
        assert raised.value.fields == {"sku": sku} and sku in raised.value.detail
        with pytest.raises(NotFoundError):
            world.inventory.adjust(world.ctx, store_id, sku=sku, delta=1, reason="found")
    for bad in ("", " ", "x" * 65):
        with pytest.raises(ValidationError) as invalid:
            world.inventory.receive(world.ctx, store_id, sku=bad, quantity=1)
        assert invalid.value.field == "sku"
    assert world.platform.head() == head


def test_bad_movements_name_the_field_and_write_nothing(world: World, store_id: UUID) -> None:
    world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=3)
    head = world.platform.head()

    moves: list[tuple[Callable[[], object], str]] = [
        (
            lambda: world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=0),
            "quantity",
        ),
        (
            lambda: world.inventory.receive(
                world.ctx, store_id, sku="MUG-BLUE", quantity=1_000_001
            ),
            "quantity",
        ),
        (
            lambda: world.inventory.adjust(
                world.ctx, store_id, sku="MUG-BLUE", delta=1, reason="theft"
            ),
            "reason",
        ),
        (
            lambda: world.inventory.adjust(
                world.ctx, store_id, sku="MUG-BLUE", delta=0, reason="found"
            ),
            "delta",
        ),
        (lambda: world.inventory.count(world.ctx, store_id, sku="MUG-BLUE", counted=-1), "counted"),
        (
            lambda: world.inventory.set_threshold(
                world.ctx, store_id, sku="MUG-BLUE", threshold=-1
            ),
            "low_stock_threshold",
        ),
    ]
    for move, field in moves:
        with pytest.raises(ValidationError) as raised:
            move()
        assert raised.value.field == field
    assert world.platform.head() == head


# -- locations --------------------------------------------------------------------------------


def test_stock_goes_to_the_default_location_and_is_drawn_from_it_first(
    world: World, store_id: UUID
) -> None:
    (main,) = world.inventory.location_ids(store_id)  # implicit before any is added
    _, depot = world.inventory.add_location(world.ctx, store_id, code="depot", name="Depot")
    world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=4)
    world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=6, location_id=depot)

    assert world.inventory.location_ids(store_id) == [main, depot]
    assert on_hand(world, store_id, "MUG-BLUE") == [4, 6]
    assert world.inventory.available(store_id, "MUG-BLUE", world.clock.now()) == 10

    world.inventory.make_default(world.ctx, store_id, depot)
    world.inventory.receive(world.ctx, store_id, sku="MUG-BLUE", quantity=1)

    assert world.inventory.location_ids(store_id) == [depot, main]
    assert on_hand(world, store_id, "MUG-BLUE") == [7, 4]


def test_location_codes_are_unique_in_a_store(world: World, store_id: UUID) -> None:
    world.inventory.add_location(world.ctx, store_id, code="shop-lux", name="Shop")
    head = world.platform.head()

    with pytest.raises(ConflictError):
        world.inventory.add_location(world.ctx, store_id, code="shop-lux", name="Again")
    with pytest.raises(ValidationError) as raised:
        world.inventory.add_location(world.ctx, store_id, code="no way", name="X")

    assert raised.value.field == "code"
    assert world.platform.head() == head
    other = world.new_store("other")
    world.inventory.add_location(world.ctx, other, code="shop-lux", name="Theirs")


def test_another_store_s_location_or_none_at_all_is_not_found(world: World, store_id: UUID) -> None:
    other = world.new_store("other")
    world.new_product(other, "MUG-BLUE")
    _, theirs = world.inventory.add_location(world.ctx, store_id, code="depot", name="Depot")
    head = world.platform.head()

    for missing in (theirs, uuid4()):
        with pytest.raises(LocationNotFoundError) as raised:
            world.inventory.receive(
                world.ctx, other, sku="MUG-BLUE", quantity=1, location_id=missing
            )
        assert raised.value.fields == {"location_id": str(missing)}
        with pytest.raises(LocationNotFoundError):
            world.inventory.make_default(world.ctx, other, missing)
    assert world.platform.head() == head


def test_a_retried_location_answers_the_same_id(world: World, store_id: UUID) -> None:
    ctx = replace(world.ctx, idempotency_key="l-1", request_fingerprint="f")

    first, made = world.inventory.add_location(ctx, store_id, code="depot", name="Depot")
    again, replayed = world.inventory.add_location(ctx, store_id, code="depot", name="Depot")

    assert replayed == made and again.replayed and again.version == first.version
    assert len(world.inventory.location_ids(store_id)) == 2


def test_a_retried_receive_counts_once(world: World, store_id: UUID) -> None:
    ctx = replace(world.ctx, idempotency_key="r-1", request_fingerprint="f")

    world.inventory.receive(ctx, store_id, sku="MUG-BLUE", quantity=3)
    world.inventory.receive(ctx, store_id, sku="MUG-BLUE", quantity=3)

    assert on_hand(world, store_id, "MUG-BLUE") == [3]


# -- what checkout holds and reserves ----------------------------------------------------------


@pytest.fixture
def shop(world: World) -> tuple[UUID, UUID]:
    """A store selling LAMP-1 (10 in stock), with 15-minute checkout holds; and its rate."""
    store_id = world.new_store("lamps")
    world.on_sale(store_id, "LAMP-1", stock=10)
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    return store_id, world.flat_rate(store_id)


def test_reserved_stock_cannot_be_taken_out(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    world.check_out(store_id, world.guest_cart(store_id, {"LAMP-1": 6}), rate)
    head = world.platform.head()

    with pytest.raises(InsufficientStockError) as raised:
        world.inventory.adjust(world.ctx, store_id, sku="LAMP-1", delta=-5, reason="loss")
    assert raised.value.fields["available"] == 4 and raised.value.fields["sku"] == "LAMP-1"
    assert "only 4 can be taken out" in raised.value.detail
    with pytest.raises(InsufficientStockError):
        world.inventory.count(world.ctx, store_id, sku="LAMP-1", counted=5)
    assert world.platform.head() == head

    world.inventory.adjust(world.ctx, store_id, sku="LAMP-1", delta=-4, reason="loss")
    assert world.inventory.available(store_id, "LAMP-1", world.clock.now()) == 0


def test_a_hold_counts_as_available_to_its_holder_only(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, _ = shop
    ref = world.guest_cart(store_id, {"LAMP-1": 4})
    world.checkout.start(world.ctx, store_id, ref)
    assert ref.cart_id is not None
    now = world.clock.now()
    assert world.inventory.available(store_id, "LAMP-1", now) == 6
    assert (
        world.inventory.available(store_id, "LAMP-1", now, holder=checkout_hold_id(ref.cart_id))
        == 10
    )


def test_an_expired_hold_counts_for_nothing_and_its_release_is_recorded_once(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, _ = shop
    world.checkout.start(world.ctx, store_id, world.guest_cart(store_id, {"LAMP-1": 4}))
    (main,) = world.inventory.location_ids(store_id)
    assert world.inventory.release_expired_holds(world.ctx, store_id, main, "LAMP-1") is None

    world.clock.advance(minutes=15)

    assert world.inventory.available(store_id, "LAMP-1", world.clock.now()) == 10
    released = world.inventory.release_expired_holds(world.ctx, store_id, main, "LAMP-1")
    assert released is not None
    (item,) = world.inventory.items(store_id, "LAMP-1")
    assert item.reservations == {} and item.version == released.version
    assert world.inventory.release_expired_holds(world.ctx, store_id, main, "LAMP-1") is None
