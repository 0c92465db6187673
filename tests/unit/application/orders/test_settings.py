"""A store's checkout settings on the in-memory world: defaults, bounds, its own store only."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.orders.values import DEFAULTS
from domain.shared.errors import ValidationError
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store()


def test_settings_start_at_the_defaults_and_change_within_bounds(
    world: World, store_id: UUID
) -> None:
    assert world.commerce.settings(store_id) == DEFAULTS

    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    head = world.platform.head()
    world.commerce.change_settings(world.ctx, store_id, {"checkout_hold_minutes": 15})
    assert world.platform.head() == head  # as it is: nothing written

    for values, field in (
        ({"checkout_hold_minutes": 61}, "checkout_hold_minutes"),
        ({"payment_timeout_hours": 0}, "payment_timeout_hours"),
        ({"payment_timeout_hours": "2"}, "payment_timeout_hours"),
        ({"gift_wrap": 1}, "gift_wrap"),
    ):
        with pytest.raises(ValidationError) as raised:
            world.commerce.change_settings(world.ctx, store_id, values)
        assert raised.value.field == field
    assert world.platform.head() == head
    assert world.commerce.settings(store_id) == {**DEFAULTS, "checkout_hold_minutes": 15}


def test_an_unknown_store_has_no_settings_to_change(world: World) -> None:
    unknown = World().new_store("elsewhere")

    with pytest.raises(StoreNotFoundError):
        world.commerce.change_settings(world.ctx, unknown, {"checkout_hold_minutes": 5})
    assert world.platform.head() == 0
