"""Store teams on the in-memory world: invitations that work once (new people and people who
have an account), revoked, superseded, expired or forged ones, the roles and the last owner,
and the store's API keys."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from domain.identity.errors import (
    ApiKeyNotFoundError,
    InvitationNotFoundError,
    LastOwnerError,
    MemberNotFoundError,
    TokenError,
)
from domain.shared.errors import (
    AuthenticationError,
    ConflictError,
    PreconditionFailedError,
    ValidationError,
)
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import PASSWORD, SHOPPER, World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store()


def invite(world: World, store_id: UUID, email: str, role: str, by: str | None = None) -> str:
    """Invites ``email``; the token of the link its mail carries."""
    world.teams.invite(world.ctx, store_id, email=email, role=role, by_role=by)
    team = world.teams.team(store_id)
    assert team is not None
    invitation_id = next(reversed(team.invitations))
    return world.teams.invitation_token(store_id, invitation_id)


def join(world: World, store_id: UUID, role: str, email: str | None = None) -> UUID:
    token = invite(world, store_id, email or f"{role}-{uuid4().hex[:6]}@example.com", role)
    return world.teams.accept(SHOPPER, token=token, password=PASSWORD, name=role).account_id


def test_an_invited_person_joins_with_the_role_and_is_signed_in_once(
    world: World, store_id: UUID
) -> None:
    token = invite(world, store_id, "Owner@Example.com", "owner")

    joined = world.teams.accept(SHOPPER, token=token, password=PASSWORD, name="Olive")

    assert world.teams.role_of(store_id, joined.account_id) == "owner"
    user = world.users.get(joined.account_id)
    assert world.users.profile(user) == {"email": "owner@example.com", "name": "Olive"}
    assert not user.platform_admin and joined.access_token
    with pytest.raises(TokenError):
        world.teams.accept(SHOPPER, token=token, password=PASSWORD)


def test_accepting_shreds_the_invitation_s_copy_of_the_address(
    world: World, store_id: UUID
) -> None:
    token = invite(world, store_id, "new@example.com", "staff")
    _, invitation_id = world.teams.parse_invitation_token(token)

    world.teams.accept(SHOPPER, token=token, password=PASSWORD)

    assert invitation_id in world.personal.destroyed


def test_a_weak_password_accepts_nothing(world: World, store_id: UUID) -> None:
    token = invite(world, store_id, "new@example.com", "staff")
    head = world.platform.head()

    with pytest.raises(ValidationError) as raised:
        world.teams.accept(SHOPPER, token=token, password="password")

    assert raised.value.field == "password"
    assert world.platform.head() == head
    assert world.teams.accept(SHOPPER, token=token, password=PASSWORD)


def test_someone_with_an_account_proves_it_with_their_password(world: World) -> None:
    first, second = world.new_store("one"), world.new_store("two")
    person = join(world, first, "manager", "pat@example.com")
    token = invite(world, second, "pat@example.com", "viewer")

    with pytest.raises(AuthenticationError):
        world.teams.accept(SHOPPER, token=token, password="not my password 1")
    joined = world.teams.accept(SHOPPER, token=token, password=PASSWORD)

    assert joined.account_id == person
    assert (world.teams.role_of(first, person), world.teams.role_of(second, person)) == (
        "manager",
        "viewer",
    )
    with pytest.raises(ConflictError):  # a member already
        world.teams.invite(world.ctx, second, email="PAT@example.com", role="staff", by_role=None)


def test_revoked_superseded_expired_and_forged_invitations_are_refused(
    world: World, store_id: UUID
) -> None:
    revoked = invite(world, store_id, "rev@example.com", "staff")
    _, revoked_id = world.teams.parse_invitation_token(revoked)
    world.teams.revoke_invitation(world.ctx, store_id, revoked_id)
    assert revoked_id in world.personal.destroyed
    with pytest.raises(ConflictError):
        world.teams.revoke_invitation(world.ctx, store_id, revoked_id)
    first = invite(world, store_id, "twice@example.com", "staff")
    second = invite(world, store_id, "twice@example.com", "viewer")
    store_hex, invitation_hex, mac = second.split(".")
    forged = [
        f"{store_hex}.{invitation_hex}.{mac[:-2]}xx",
        f"{store_hex}.{uuid4().hex}.{mac}",
        f"{uuid4().hex}.{invitation_hex}.{mac}",
        "not-a-token",
    ]
    head = world.platform.head()

    for token in (revoked, first, *forged):
        with pytest.raises(TokenError):
            world.teams.accept(SHOPPER, token=token, password=PASSWORD)
    world.clock.advance(days=7)
    with pytest.raises(TokenError, match="expired"):
        world.teams.accept(SHOPPER, token=second, password=PASSWORD)
    assert world.platform.head() == head


def test_an_unknown_invitation_cannot_be_revoked(world: World, store_id: UUID) -> None:
    with pytest.raises(InvitationNotFoundError):
        world.teams.revoke_invitation(world.ctx, store_id, uuid4())


def test_the_last_owner_stays_whoever_asks(world: World, store_id: UUID) -> None:
    owner = join(world, store_id, "owner")
    admin = join(world, store_id, "admin")
    head = world.platform.head()

    for by in ("owner", None):
        with pytest.raises(LastOwnerError):
            world.teams.remove(world.ctx, store_id, owner, by_role=by)
        with pytest.raises(LastOwnerError):
            world.teams.change_role(world.ctx, store_id, owner, role="admin", by_role=by)
    assert world.platform.head() == head

    world.teams.change_role(world.ctx, store_id, admin, role="owner", by_role="owner")
    world.teams.change_role(world.ctx, store_id, owner, role="admin", by_role="owner")
    assert world.teams.role_of(store_id, owner) == "admin"


def test_only_owners_make_or_touch_owners(world: World, store_id: UUID) -> None:
    owner = join(world, store_id, "owner")
    staff = join(world, store_id, "staff")
    head = world.platform.head()

    for command in (
        lambda: world.teams.change_role(world.ctx, store_id, staff, role="owner", by_role="admin"),
        lambda: world.teams.change_role(world.ctx, store_id, owner, role="viewer", by_role="admin"),
        lambda: world.teams.invite(
            world.ctx, store_id, email="x@example.com", role="owner", by_role="admin"
        ),
        lambda: world.teams.create_api_key(
            world.ctx, store_id, name="k", role="owner", by_role="admin"
        ),
    ):
        with pytest.raises(ConflictError):
            command()
    assert world.platform.head() == head


def test_roles_change_on_the_version_seen_and_removed_people_lose_the_store(
    world: World, store_id: UUID
) -> None:
    join(world, store_id, "owner")
    staff = join(world, store_id, "staff")
    team = world.teams.team(store_id)
    assert team is not None

    done = world.teams.change_role(
        world.ctx, store_id, staff, role="manager", by_role="admin", expected_version=team.version
    )
    with pytest.raises(PreconditionFailedError):
        world.teams.change_role(
            world.ctx, store_id, staff, role="viewer", by_role=None, expected_version=team.version
        )
    world.teams.remove(world.ctx, store_id, staff, by_role="admin", expected_version=done.version)

    assert world.teams.role_of(store_id, staff) is None
    with pytest.raises(MemberNotFoundError):
        world.teams.remove(world.ctx, store_id, staff, by_role="admin")


def test_an_unknown_store_has_no_team_to_change(world: World) -> None:
    with pytest.raises(StoreNotFoundError):
        world.teams.invite(world.ctx, uuid4(), email="x@example.com", role="staff", by_role=None)


# -- API keys ---------------------------------------------------------------------------------


def test_a_key_is_shown_once_acts_with_its_role_and_stops_when_revoked(
    world: World, store_id: UUID
) -> None:
    made = world.teams.create_api_key(
        replace(world.ctx, idempotency_key="k"), store_id, name="ERP", role="staff", by_role=None
    )

    found = world.teams.authenticate_api_key(made.token)
    assert found is not None and (found.store_id, found.role) == (store_id, "staff")
    again = world.teams.create_api_key(
        replace(world.ctx, idempotency_key="k"), store_id, name="ERP", role="staff", by_role=None
    )
    assert again.token != made.token  # a key is shown once: a retry makes another one
    assert made.token not in str(world.app.recorder.select_notifications(1, 100))

    world.teams.revoke_api_key(world.ctx, store_id, made.result.id)
    assert world.teams.authenticate_api_key(made.token) is None
    with pytest.raises(ConflictError):
        world.teams.revoke_api_key(world.ctx, store_id, made.result.id)


def test_keys_that_are_not_keys_open_nothing(world: World, store_id: UUID) -> None:
    made = world.teams.create_api_key(world.ctx, store_id, name="ERP", role="viewer", by_role=None)
    body, _, secret = made.token.rpartition("_")

    for token in (f"{body}_{secret[:-1]}x", "ork_", "ork_nothex_secret", made.token[4:], "Bearer"):
        assert world.teams.authenticate_api_key(token) is None


def test_another_store_s_key_cannot_be_revoked_here(world: World, store_id: UUID) -> None:
    other = world.new_store("other")
    theirs = world.teams.create_api_key(world.ctx, other, name="ERP", role="staff", by_role=None)

    with pytest.raises(ApiKeyNotFoundError):
        world.teams.revoke_api_key(world.ctx, store_id, theirs.result.id)
    assert world.teams.authenticate_api_key(theirs.token) is not None
