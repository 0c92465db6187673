"""A store's shipping rates on the in-memory world: added, replaced, removed, for its own store
only, and a bad rate names its field and writes nothing."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.shared.errors import ValidationError
from domain.shipping.errors import ShippingRateNotFoundError
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import World

POST = {"name": "Post", "kind": "flat", "amount": 490}


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store()


def test_a_rate_is_added_then_replaced_then_removed(world: World, store_id: UUID) -> None:
    assert world.shipping.rates(store_id) is None

    _, rate_id = world.shipping.set_rate(world.ctx, store_id, spec=POST)
    world.shipping.set_rate(world.ctx, store_id, spec={**POST, "amount": 590}, rate_id=rate_id)
    rates = world.shipping.rates(store_id)
    assert rates is not None and rates.get(rate_id)["amount"] == 590
    assert len(rates.rates) == 1

    world.shipping.remove_rate(world.ctx, store_id, rate_id)
    rates = world.shipping.rates(store_id)
    assert rates is not None and rates.rates == {}


def test_an_unknown_rate_is_neither_replaced_nor_removed(world: World, store_id: UUID) -> None:
    world.shipping.set_rate(world.ctx, store_id, spec=POST)
    head = world.platform.head()

    with pytest.raises(ShippingRateNotFoundError):
        world.shipping.set_rate(world.ctx, store_id, spec=POST, rate_id=uuid4())
    with pytest.raises(ShippingRateNotFoundError):
        world.shipping.remove_rate(world.ctx, store_id, uuid4())

    assert world.platform.head() == head


def test_another_store_s_rate_is_unknown_here(world: World, store_id: UUID) -> None:
    other = world.new_store("other")
    _, theirs = world.shipping.set_rate(world.ctx, other, spec=POST)

    with pytest.raises(ShippingRateNotFoundError):
        world.shipping.remove_rate(world.ctx, store_id, theirs)
    with pytest.raises(ShippingRateNotFoundError):
        world.shipping.set_rate(world.ctx, store_id, spec=POST, rate_id=theirs)


def test_a_bad_rate_names_the_field_and_writes_nothing(world: World, store_id: UUID) -> None:
    head = world.platform.head()

    with pytest.raises(ValidationError) as raised:
        world.shipping.set_rate(world.ctx, store_id, spec={**POST, "kind": "pigeon"})

    assert raised.value.field == "kind"
    assert world.platform.head() == head


def test_an_unknown_store_has_no_rates_to_change(world: World) -> None:
    unknown = World().new_store("elsewhere")

    with pytest.raises(StoreNotFoundError):
        world.shipping.set_rate(world.ctx, unknown, spec=POST)
    assert world.platform.head() == 0
