"""Team and ApiKey: given events → command → expected events or error. The last-owner rule,
who may grant which role, and invitations (superseded, revoked, expired, accepted once)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.identity.aggregates import ApiKey, Team
from domain.identity.errors import (
    InvitationNotFoundError,
    LastOwnerError,
    MemberNotFoundError,
    TokenError,
)
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import team_id
from tests.unit.domain.scenario import T0, at, ev, given, new_events, rejected

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9001")
OWNER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9002")
ADMIN = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9003")
STAFF = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9004")
INVITATION = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9005")
SECOND = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9006")
NEWCOMER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9007")
TEAM = team_id(STORE)
EXPIRES = T0 + timedelta(days=7)


def formed() -> Any:
    return ev(Team.Formed, store_id=STORE)


def joined(user: UUID, role: str, invitation: UUID) -> list[Any]:
    return [
        sent(invitation, role, index=f"idx-{user}"),
        ev(Team.InvitationAccepted, invitation_id=invitation, user_id=user, role=role),
    ]


def sent(invitation: UUID = INVITATION, role: str = "staff", index: str = "idx-new") -> Any:
    return ev(
        Team.InvitationSent,
        invitation_id=invitation,
        sealed_email=f"sealed-{index}",
        email_index=index,
        role=role,
        expires_at=EXPIRES,
    )


def team_of(*members: tuple[UUID, str]) -> Team:
    history = [formed()]
    for n, (user, role) in enumerate(members):
        history += joined(user, role, UUID(int=n + 1))
    return given(TEAM, *history)  # type: ignore[no-any-return]


def invite(
    team: Team,
    *,
    role: str = "staff",
    by_role: str | None = None,
    index: str = "idx-new",
    invitation: UUID = INVITATION,
) -> None:
    team.invite(
        invitation_id=invitation,
        sealed_email=f"sealed-{index}",
        email_index=index,
        role=role,
        expires_at=EXPIRES,
        by_role=by_role,
        at=at(30),
    )


# -- forming and inviting ---------------------------------------------------------------------


def test_a_store_has_one_team() -> None:
    team = Team.form(store_id=STORE, at=at(0))

    assert new_events(team) == [formed()]
    assert team.id == TEAM and team.members == {} and team.invitations == {}


def test_an_invitation_is_pending_until_it_expires() -> None:
    team = team_of()

    invite(team, role="manager")

    assert new_events(team) == [sent(role="manager")]
    assert (
        team.pending_invitation(INVITATION, at=EXPIRES - timedelta(seconds=1))["role"] == "manager"
    )
    with pytest.raises(TokenError, match="expired"):
        team.pending_invitation(INVITATION, at=EXPIRES)


def test_a_new_invitation_to_the_same_address_supersedes_the_pending_one() -> None:
    team = given(
        TEAM, formed(), sent(INVITATION, "staff", "idx-ann"), sent(SECOND, "staff", "idx-bob")
    )

    invite(team, role="viewer", index="idx-ann", invitation=NEWCOMER)

    assert new_events(team) == [
        ev(Team.InvitationRevoked, invitation_id=INVITATION),
        sent(NEWCOMER, "viewer", "idx-ann"),
    ]
    assert team.invitations[SECOND]["status"] == "pending"  # another address: untouched


def test_an_unknown_role_is_refused() -> None:
    team = team_of()

    error = rejected(team, lambda: invite(team, role="god"), ValidationError)
    assert error.field == "role"


@pytest.mark.parametrize("by_role", ["admin", "manager", "staff"])
def test_only_owners_and_platform_admins_invite_owners(by_role: str) -> None:
    team = team_of((OWNER, "owner"))

    rejected(team, lambda: invite(team, role="owner", by_role=by_role), ConflictError)
    invite(team, role="owner", by_role="owner")
    invite(team, role="owner", by_role=None, index="idx-other", invitation=SECOND)
    assert len(new_events(team)) == 2


# -- accepting, revoking ----------------------------------------------------------------------


def test_accepting_makes_a_member_with_the_invited_role_once() -> None:
    team = given(TEAM, formed(), sent(role="manager"))

    team.accept(invitation_id=INVITATION, user_id=NEWCOMER, at=at(40))

    assert new_events(team) == [
        ev(Team.InvitationAccepted, invitation_id=INVITATION, user_id=NEWCOMER, role="manager")
    ]
    assert team.role_of(NEWCOMER) == "manager"
    rejected(
        team, lambda: team.accept(invitation_id=INVITATION, user_id=STAFF, at=at(41)), TokenError
    )


def test_an_expired_or_revoked_or_unknown_invitation_cannot_be_accepted() -> None:
    expired = given(TEAM, formed(), sent())
    rejected(
        expired,
        lambda: expired.accept(invitation_id=INVITATION, user_id=NEWCOMER, at=EXPIRES),
        TokenError,
    )
    revoked = given(TEAM, formed(), sent(), ev(Team.InvitationRevoked, invitation_id=INVITATION))
    rejected(
        revoked,
        lambda: revoked.accept(invitation_id=INVITATION, user_id=NEWCOMER, at=at(9)),
        TokenError,
    )
    rejected(
        revoked,
        lambda: revoked.accept(invitation_id=SECOND, user_id=NEWCOMER, at=at(9)),
        TokenError,
    )


def test_a_member_cannot_accept_a_second_invitation() -> None:
    team = given(TEAM, formed(), *joined(STAFF, "staff", SECOND), sent())

    rejected(
        team, lambda: team.accept(invitation_id=INVITATION, user_id=STAFF, at=at(40)), ConflictError
    )


def test_revoking_a_pending_invitation_and_only_that() -> None:
    team = given(TEAM, formed(), sent())

    team.revoke_invitation(invitation_id=INVITATION, at=at(40))
    assert new_events(team) == [ev(Team.InvitationRevoked, invitation_id=INVITATION)]
    error = rejected(
        team, lambda: team.revoke_invitation(invitation_id=INVITATION, at=at(41)), ConflictError
    )
    assert error.fields == {"status": "revoked"}
    rejected(
        team,
        lambda: team.revoke_invitation(invitation_id=SECOND, at=at(41)),
        InvitationNotFoundError,
    )


def test_only_owners_revoke_an_invitation_to_be_owner() -> None:
    team = given(TEAM, formed(), sent(role="owner"))

    rejected(
        team,
        lambda: team.revoke_invitation(invitation_id=INVITATION, by_role="admin", at=at(9)),
        ConflictError,
    )
    team.revoke_invitation(invitation_id=INVITATION, by_role="owner", at=at(9))


# -- roles and the last owner -----------------------------------------------------------------


@pytest.mark.parametrize("by_role", ["owner", None])
def test_the_last_owner_is_never_demoted_nor_removed(by_role: str | None) -> None:
    team = team_of((OWNER, "owner"), (ADMIN, "admin"))

    error = rejected(
        team,
        lambda: team.change_role(user_id=OWNER, role="admin", by_role=by_role, at=at(50)),
        LastOwnerError,
    )
    assert "last owner" in error.detail
    rejected(team, lambda: team.remove(user_id=OWNER, by_role=by_role, at=at(50)), LastOwnerError)


def test_with_a_second_owner_the_first_may_step_down_then_be_removed() -> None:
    team = team_of((OWNER, "owner"), (ADMIN, "admin"))

    team.change_role(user_id=ADMIN, role="owner", by_role="owner", at=at(50))
    team.change_role(user_id=OWNER, role="admin", by_role="owner", at=at(51))
    team.remove(user_id=OWNER, by_role="owner", at=at(52))

    assert new_events(team) == [
        ev(Team.RoleChanged, user_id=ADMIN, role="owner", previous_role="admin"),
        ev(Team.RoleChanged, user_id=OWNER, role="admin", previous_role="owner"),
        ev(Team.MemberRemoved, user_id=OWNER, role="admin"),
    ]
    assert team.members == {ADMIN: "owner"}
    rejected(
        team,
        lambda: team.change_role(user_id=ADMIN, role="staff", by_role="owner", at=at(53)),
        LastOwnerError,
    )


def test_only_owners_make_touch_or_remove_owners() -> None:
    team = team_of((OWNER, "owner"), (ADMIN, "admin"), (STAFF, "staff"))

    rejected(
        team,
        lambda: team.change_role(user_id=STAFF, role="owner", by_role="admin", at=at(50)),
        ConflictError,
    )
    team.change_role(user_id=STAFF, role="owner", by_role="owner", at=at(50))
    assert new_events(team)
    rejected(
        team,
        lambda: team.change_role(user_id=STAFF, role="viewer", by_role="admin", at=at(51)),
        ConflictError,
    )
    rejected(team, lambda: team.remove(user_id=STAFF, by_role="admin", at=at(51)), ConflictError)


def test_admins_change_and_remove_the_others() -> None:
    team = team_of((OWNER, "owner"), (ADMIN, "admin"), (STAFF, "staff"))

    team.change_role(user_id=STAFF, role="manager", by_role="admin", at=at(50))
    team.change_role(user_id=STAFF, role="manager", by_role="admin", at=at(51))  # as it is
    team.remove(user_id=STAFF, by_role="admin", at=at(52))

    assert new_events(team) == [
        ev(Team.RoleChanged, user_id=STAFF, role="manager", previous_role="staff"),
        ev(Team.MemberRemoved, user_id=STAFF, role="manager"),
    ]
    assert team.role_of(STAFF) is None


def test_someone_not_in_the_team_is_not_found() -> None:
    team = team_of((OWNER, "owner"))

    rejected(
        team,
        lambda: team.change_role(user_id=STAFF, role="viewer", by_role=None, at=at(9)),
        MemberNotFoundError,
    )
    rejected(team, lambda: team.remove(user_id=STAFF, by_role=None, at=at(9)), MemberNotFoundError)


# -- API keys ---------------------------------------------------------------------------------

KEY = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9010")


def test_a_key_keeps_its_role_and_a_hash_and_is_revoked_once() -> None:
    key = ApiKey.create(
        key_id=KEY,
        store_id=STORE,
        name="ERP",
        role="staff",
        secret_hash="h",
        prefix="ork_0190",
        at=at(0),
    )
    assert new_events(key) == [
        ev(
            ApiKey.Created,
            store_id=STORE,
            name="ERP",
            role="staff",
            secret_hash="h",
            prefix="ork_0190",
        )
    ]

    key.revoke(at=at(1))
    assert new_events(key) == [ev(ApiKey.Revoked)]
    assert key.revoked
    rejected(key, lambda: key.revoke(at=at(2)), ConflictError)


def test_a_key_needs_a_known_role() -> None:
    with pytest.raises(ValidationError):
        ApiKey.create(
            key_id=KEY,
            store_id=STORE,
            name="ERP",
            role="root",
            secret_hash="h",
            prefix="p",
            at=at(0),
        )
