"""A store's customers on the in-memory world: one account per address and store, profiles and
address books, the store deactivating and erasing them, and the right of access."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.identity.errors import AccountNotFoundError, AddressNotFoundError, EmailTakenError
from domain.shared.errors import AuthenticationError, PreconditionFailedError, ValidationError
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import ADDRESS, PASSWORD, SHOPPER, World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store()


def test_an_address_has_one_account_per_store(world: World, store_id: UUID) -> None:
    first = world.register_customer(store_id, "ada@example.org")
    other = world.new_store("other")
    head = world.platform.head()

    with pytest.raises(EmailTakenError):
        world.register_customer(store_id, "Ada@Example.org")
    assert world.platform.head() == head

    elsewhere = world.register_customer(other, "ada@example.org")
    assert elsewhere != first
    assert world.customers.login_customer(
        SHOPPER, other, email="ada@example.org", password=PASSWORD
    )


def test_registering_signs_in_and_keeps_the_shop_s_language_unless_told(
    world: World, store_id: UUID
) -> None:
    session = world.customers.register(
        SHOPPER, store_id, email="ada@example.org", password=PASSWORD, phone="+352 621 123 456"
    )
    other = world.customers.register(
        SHOPPER, store_id, email="bob@example.org", password=PASSWORD, language="fr-LU"
    )

    ada = world.customers.get(store_id, session.account_id)
    assert (ada.language, world.customers.find(other.account_id).language) == ("en", "fr_LU")  # type: ignore[union-attr]
    assert world.customers.view(ada)["phone"] == "+352 621 123 456"
    assert session.access_token and session.refresh_token


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "Ada.Lovelace1!"}, "password"),  # holds the address's name part
        ({"first_name": "x" * 101}, "first_name"),
        ({"phone": "call me"}, "phone"),
        ({"language": "klingon"}, "language"),
    ],
)
def test_a_bad_registration_names_the_field_and_writes_nothing(
    world: World, store_id: UUID, changes: dict[str, str], field: str
) -> None:
    given = {"email": "ada@example.org", "password": PASSWORD, **changes}
    head = world.platform.head()

    with pytest.raises(ValidationError) as raised:
        world.customers.register(SHOPPER, store_id, **given)  # type: ignore[arg-type]

    assert raised.value.field == field
    assert world.platform.head() == head


def test_a_closed_or_unknown_shop_takes_no_customers(world: World, store_id: UUID) -> None:
    world.stores.suspend(world.ctx, store_id, reason="unpaid")

    with pytest.raises(StoreNotFoundError):
        world.register_customer(store_id)
    with pytest.raises(StoreNotFoundError):
        world.customers.register(SHOPPER, UUID(int=5), email="a@example.org", password=PASSWORD)


def test_the_profile_changes_what_is_given_on_the_version_seen(
    world: World, store_id: UUID
) -> None:
    customer_id = world.register_customer(store_id)

    world.customers.update_profile(
        SHOPPER,
        store_id,
        customer_id,
        changes={"last_name": "Lovelace", "marketing_consent": True},
        expected_version=1,
    )
    with pytest.raises(PreconditionFailedError):
        world.customers.update_profile(
            SHOPPER, store_id, customer_id, changes={"phone": None}, expected_version=1
        )

    view = world.customers.view(world.customers.get(store_id, customer_id))
    assert (view["first_name"], view["last_name"], view["marketing_consent"]) == (
        "Ada",
        "Lovelace",
        True,
    )


def test_an_address_book_with_defaults(world: World, store_id: UUID) -> None:
    customer_id = world.register_customer(store_id)
    world.customers.add_address(SHOPPER, store_id, customer_id, address=ADDRESS)
    world.customers.add_address(
        SHOPPER, store_id, customer_id, address={**ADDRESS, "city": "Esch"}, default_billing=True
    )
    customer = world.customers.get(store_id, customer_id)
    home, work = (a["id"] for a in world.customers.addresses(customer))

    world.customers.change_address(
        SHOPPER, store_id, customer_id, work, changes={"line2": "2nd floor"}, default_shipping=True
    )
    world.customers.remove_address(SHOPPER, store_id, customer_id, home)

    (only,) = world.customers.addresses(world.customers.get(store_id, customer_id))
    assert (only["id"], only["city"], only["line2"]) == (work, "Esch", "2nd floor")
    assert only["default_shipping"] and only["default_billing"]
    with pytest.raises(AddressNotFoundError):
        world.customers.remove_address(SHOPPER, store_id, customer_id, home)
    with pytest.raises(ValidationError) as raised:
        world.customers.add_address(
            SHOPPER, store_id, customer_id, address={**ADDRESS, "country": "XX"}
        )
    assert raised.value.field == "address.country"


def test_another_store_s_customer_is_not_found(world: World, store_id: UUID) -> None:
    other = world.new_store("other")
    theirs = world.register_customer(other)
    head = world.platform.head()

    for command in (
        lambda: world.customers.get(store_id, theirs),
        lambda: world.customers.deactivate(world.ctx, store_id, theirs, reason="x"),
        lambda: world.customers.erase(world.ctx, store_id, theirs, by="store"),
        lambda: world.customers.export(store_id, theirs),
        lambda: world.customers.add_address(SHOPPER, store_id, theirs, address=ADDRESS),
    ):
        with pytest.raises(AccountNotFoundError):
            command()
    assert world.platform.head() == head
    assert theirs not in world.personal.destroyed


def test_a_deactivated_customer_cannot_sign_in_until_reactivated(
    world: World, store_id: UUID
) -> None:
    customer_id = world.register_customer(store_id)

    world.customers.deactivate(world.ctx, store_id, customer_id, reason="chargebacks")
    with pytest.raises(AuthenticationError):
        world.customers.login_customer(
            SHOPPER, store_id, email="ada@example.org", password=PASSWORD
        )
    world.customers.reactivate(world.ctx, store_id, customer_id)

    assert world.customers.login_customer(
        SHOPPER, store_id, email="ada@example.org", password=PASSWORD
    )


def test_the_export_holds_the_profile_the_addresses_and_the_history(
    world: World, store_id: UUID
) -> None:
    customer_id = world.register_customer(store_id)
    world.customers.add_address(SHOPPER, store_id, customer_id, address=ADDRESS)

    exported = world.customers.export(store_id, customer_id)

    assert exported["customer"]["email"] == "ada@example.org"
    assert exported["customer"]["addresses"][0]["city"] == "Luxembourg"
    assert [e["type"] for e in exported["history"]] == [
        "Registered",
        "AddressAdded",
        "DefaultAddressChanged",
        "DefaultAddressChanged",
    ]
    assert exported["erased"] is False


def test_erasure_frees_the_address_and_shreds_the_key_once_written(
    world: World, store_id: UUID
) -> None:
    customer_id = world.register_customer(store_id)

    world.customers.erase(world.ctx, store_id, customer_id, by="store")

    assert customer_id in world.personal.destroyed
    exported = world.customers.export(store_id, customer_id)
    assert exported["erased"] is True and exported["customer"]["email"] is None
    assert exported["history"][-1]["type"] == "Erased"
    with pytest.raises(AuthenticationError):
        world.customers.login_customer(
            SHOPPER, store_id, email="ada@example.org", password=PASSWORD
        )
    assert world.register_customer(store_id) != customer_id  # the address is free again
