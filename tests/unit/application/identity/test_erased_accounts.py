"""An erased account's sealed data is never opened again: not for its views, its export, its
addresses or a password check, whatever the personal-data port would still answer (a process
whose key cache missed the erasure). In-memory application."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.context import CommandContext
from application.identity.accounts import IdentityKit
from application.identity.customers import CustomerService
from application.identity.keys import Keyring, Passwords
from application.identity.tokens import AccessTokens
from application.identity.users import UserService
from tests.fakes.personal import FakePersonalData
from tests.unit.application.world import World

PASSWORD = "correct horse battery"
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "12 Rue des Tilleuls",
    "city": "Luxembourg",
    "postal_code": "L-1234",
    "country": "LU",
}


@pytest.fixture
def personal() -> FakePersonalData:
    return FakePersonalData(stale=True)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def kit(personal: FakePersonalData) -> IdentityKit:
    keyring = Keyring(b"a test secret of enough bytes")
    return IdentityKit(
        personal=personal,
        keyring=keyring,
        passwords=Passwords(),
        tokens=AccessTokens(keyring.jwt_key, timedelta(minutes=15)),
        refresh_lifetime=timedelta(days=30),
    )


def test_an_erased_customer_is_never_opened_again(
    world: World, kit: IdentityKit, personal: FakePersonalData
) -> None:
    customers = CustomerService(world.platform, kit)
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


def test_an_erased_user_is_never_opened_again(
    world: World, kit: IdentityKit, personal: FakePersonalData
) -> None:
    users = UserService(world.platform, kit)
    made = users.create(world.ctx, email="olive@example.com", password=PASSWORD, name="Olive")
    user_id: UUID = made.id
    assert (users.profile(users.get(user_id)) or {})["name"] == "Olive"

    users.erase(world.ctx, user_id, by="admin")
    personal.opened.clear()

    user = users.get(user_id)
    assert users.profile(user) is None
    assert not users.password_matches(user, PASSWORD)
    assert personal.opened == []
