"""An erased account's sealed data is never opened again: not for its views, its export, its
addresses or a password check, whatever the personal-data port would still answer (a process
whose key cache missed the erasure). In-memory application."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.context import CommandContext
from tests.fakes.personal import FakePersonalData
from tests.unit.application.world import ADDRESS, PASSWORD, World


@pytest.fixture
def personal() -> FakePersonalData:
    return FakePersonalData(stale=True)


@pytest.fixture
def world(personal: FakePersonalData) -> World:
    return World(personal=personal)


def test_an_erased_customer_is_never_opened_again(world: World, personal: FakePersonalData) -> None:
    customers = world.customers
    store_id = world.new_store()
    shopper = CommandContext(actor="anonymous:-")
    made = customers.register(
        shopper, store_id, email="ada@example.org", password=PASSWORD, first_name="Ada"
    )
    customer_id = made.account_id
    customers.add_address(shopper, store_id, customer_id, address=ADDRESS)
    assert customers.view(customers.get(store_id, customer_id))["email"] == "ada@example.org"

    customers.erase(world.ctx, store_id, customer_id, by="store")
    personal.opened.clear()

    customer = customers.get(store_id, customer_id)
    view = customers.view(customer)
    assert (view["status"], view["email"], view["first_name"]) == ("erased", None, None)
    assert view["addresses"] == []
    exported = customers.export(store_id, customer_id)
    assert exported["erased"] is True and exported["customer"]["email"] is None
    assert customers.profile(customer) is None
    assert not customers.password_matches(customer, PASSWORD)
    assert personal.opened == []


def test_an_erased_user_is_never_opened_again(world: World, personal: FakePersonalData) -> None:
    users = world.users
    made = users.create(world.ctx, email="olive@example.com", password=PASSWORD, name="Olive")
    user_id: UUID = made.id
    assert (users.profile(users.get(user_id)) or {})["name"] == "Olive"

    users.erase(world.ctx, user_id, by="admin")
    personal.opened.clear()

    user = users.get(user_id)
    assert users.profile(user) is None
    assert not users.password_matches(user, PASSWORD)
    assert personal.opened == []
