"""Platform users on the in-memory world: one account per address, profiles, the admin flag,
disabling and erasing (the address free again, the key destroyed)."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.identity.aggregates import EmailClaim, Session
from domain.identity.errors import AccountNotFoundError, AccountStateError, EmailTakenError
from domain.shared.errors import AuthenticationError, PreconditionFailedError, ValidationError
from tests.unit.application.world import PASSWORD, World


@pytest.fixture
def world() -> World:
    return World()


def create(world: World, email: str = "olive@example.com", **kw: object) -> UUID:
    return world.users.create(world.ctx, email=email, password=PASSWORD, name="Olive", **kw).id  # type: ignore[arg-type]


def test_a_user_is_one_account_per_address_whatever_its_spelling(world: World) -> None:
    user_id = create(world)
    head = world.platform.head()

    with pytest.raises(EmailTakenError):
        create(world, " Olive@EXAMPLE.com ")

    assert world.platform.head() == head
    user = world.users.get(user_id)
    assert world.users.profile(user) == {"email": "olive@example.com", "name": "Olive"}
    assert user.platform_admin  # the default of the admin API
    assert world.users.find_by_email("platform", "olive@example.com") == user
    assert world.users.email_ref("platform", "OLIVE@example.com") == world.users.account_ref(
        user_id
    )


def test_a_user_s_profile_and_password_are_sealed_with_their_own_key(world: World) -> None:
    user_id = create(world)

    assert world.personal.sealed == [user_id, user_id]  # the profile and the credentials
    user = world.users.get(user_id)
    assert world.personal.open(user_id, user.sealed) == {
        "email": "olive@example.com",
        "name": "Olive",
    }
    assert world.personal.open(UUID(int=1), user.sealed) is None  # nobody else's key opens it


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not an e-mail", PASSWORD, "email"),
        ("olive@example.com", "short", "password"),
        ("olive@example.com", "olive rules the world", "password"),  # the address's name
    ],
)
def test_a_bad_user_names_the_field_and_writes_nothing(
    world: World, email: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        world.users.create(world.ctx, email=email, password=password, name="Olive")

    assert raised.value.field == field
    assert world.platform.head() == 0


def test_a_profile_changes_on_the_version_the_client_saw(world: World) -> None:
    user_id = create(world)

    world.users.update_profile(world.ctx, user_id, name="Olive Oyl", expected_version=1)
    with pytest.raises(PreconditionFailedError):
        world.users.update_profile(world.ctx, user_id, name="Again", expected_version=1)

    profile = world.users.profile(world.users.get(user_id))
    assert profile == {"email": "olive@example.com", "name": "Olive Oyl"}


def test_a_disabled_user_cannot_sign_in_until_enabled(world: World) -> None:
    user_id = create(world)
    world.users.disable(world.ctx, user_id, reason="left the company")

    with pytest.raises(AuthenticationError):
        world.users.login_user(world.ctx, email="olive@example.com", password=PASSWORD)
    with pytest.raises(AccountStateError):
        world.users.disable(world.ctx, user_id, reason="again")
    world.users.enable(world.ctx, user_id)

    assert world.users.login_user(world.ctx, email="olive@example.com", password=PASSWORD)


def test_the_admin_flag_is_set_and_taken(world: World) -> None:
    user_id = create(world, platform_admin=False)

    world.users.set_platform_admin(world.ctx, user_id, True)
    assert world.users.get(user_id).platform_admin
    world.users.set_platform_admin(world.ctx, user_id, False)
    assert not world.users.get(user_id).platform_admin


def test_erasing_frees_the_address_and_destroys_the_key(world: World) -> None:
    user_id = create(world)

    world.users.erase(world.ctx, user_id, by="admin")

    assert user_id in world.personal.destroyed
    user = world.users.get(user_id)
    assert user.status == "erased" and world.users.profile(user) is None
    claim = world.platform.find(EmailClaim, world.users.email_ref("platform", "olive@example.com"))
    assert claim is not None and claim.owner_id is None
    assert world.users.find_by_email("platform", "olive@example.com") is None
    assert create(world) != user_id  # the address may open a new account
    with pytest.raises(AuthenticationError):
        world.users.login_user(world.ctx, email="olive@example.com", password="not it at all")


def test_an_unknown_user_is_not_found(world: World) -> None:
    for command in (
        lambda: world.users.get(UUID(int=9)),
        lambda: world.users.disable(world.ctx, UUID(int=9), reason="x"),
        lambda: world.users.update_profile(world.ctx, UUID(int=9), name="x", expected_version=None),
    ):
        with pytest.raises(AccountNotFoundError):
            command()


def test_a_user_s_refresh_token_coming_back_ends_the_session(world: World) -> None:
    create(world)
    first = world.users.login_user(world.ctx, email="olive@example.com", password=PASSWORD)
    second = world.users.refresh(world.ctx, first.refresh_token, store_id=None)
    world.users.refresh(world.ctx, second.refresh_token, store_id=None)

    with pytest.raises(AuthenticationError):
        world.users.refresh(world.ctx, first.refresh_token, store_id=None)  # copied

    session = world.platform.find(Session, first.session_id)
    assert session is not None and session.end_reason == "reuse_detected"
    head = world.platform.head()
    for token in ("not-a-token", f"{UUID(int=3).hex}.x", ""):
        with pytest.raises(AuthenticationError):
            world.users.refresh(world.ctx, token, store_id=None)
    assert world.platform.head() == head
