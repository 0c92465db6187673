"""Stores' use cases on the in-memory world: codes are unique, edits need the version the
client saw, suspension and reactivation, and a refusal writes nothing."""

from __future__ import annotations

import pytest

from domain.shared.errors import PreconditionFailedError, ValidationError
from domain.stores.errors import StoreCodeTakenError, StoreNotFoundError, StoreStateError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


def test_a_store_is_registered_under_its_code_in_any_case(world: World) -> None:
    store_id = world.new_store("Acme")
    head = world.platform.head()

    with pytest.raises(StoreCodeTakenError) as raised:
        world.new_store("ACME")

    assert raised.value.fields == {"code": "acme"}
    assert world.platform.head() == head
    assert world.stores.get(store_id).code == "acme"


def test_details_change_and_a_stale_version_is_refused(world: World) -> None:
    store_id = world.new_store()

    done = world.stores.change_details(world.ctx, store_id, name="Renamed", expected_version=1)
    head = world.platform.head()
    with pytest.raises(PreconditionFailedError) as raised:
        world.stores.change_details(world.ctx, store_id, name="Again", expected_version=1)

    assert raised.value.fields == {"current_version": done.version}
    assert world.platform.head() == head
    assert world.stores.get(store_id).name == "Renamed"


def test_a_change_that_changes_nothing_writes_nothing(world: World) -> None:
    store_id = world.new_store()
    head = world.platform.head()

    same = world.stores.change_details(world.ctx, store_id, name="Shop", country="lu")

    assert same.version == 1
    assert world.platform.head() == head


def test_suspend_and_reactivate(world: World) -> None:
    store_id = world.new_store()

    world.stores.suspend(world.ctx, store_id, reason="unpaid invoices")
    assert not world.stores.get(store_id).is_active
    with pytest.raises(StoreStateError):
        world.stores.suspend(world.ctx, store_id, reason="again")
    world.stores.reactivate(world.ctx, store_id)
    assert world.stores.get(store_id).is_active
    with pytest.raises(StoreStateError):
        world.stores.reactivate(world.ctx, store_id)


def test_bad_details_name_the_field(world: World) -> None:
    store_id = world.new_store()

    with pytest.raises(ValidationError) as raised:
        world.stores.change_details(world.ctx, store_id, country="Narnia")

    assert raised.value.field == "country"


def test_an_unknown_store_is_not_found(world: World) -> None:
    other = World().new_store("elsewhere")  # a store of another log

    with pytest.raises(StoreNotFoundError):
        world.stores.get(other)
    with pytest.raises(StoreNotFoundError):
        world.stores.suspend(world.ctx, other, reason="x")
