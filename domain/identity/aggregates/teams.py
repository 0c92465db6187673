"""A store's team (members, roles, invitations) and its API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.identity.errors import (
    InvitationNotFoundError,
    LastOwnerError,
    MemberNotFoundError,
    TokenError,
)
from domain.identity.values import check_role
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import ConflictError
from domain.shared.ids import team_id
from domain.shared.topics import stable_topics


@stable_topics("identity", was="domain.identity.aggregates")
class Team(OrionAggregate):
    """A store's team: members with roles and pending invitations. One per store.

    The last-owner rule needs every member in one consistency boundary, hence one aggregate.
    """

    class Formed(OrionAggregate.Created):
        store_id: UUID

    class InvitationSent(OrionAggregate.Event):
        invitation_id: UUID
        sealed_email: str  # sealed with the invitation's own key
        email_index: str
        role: str
        expires_at: datetime

        def apply(self, team: Any) -> None:
            team.invitations[self.invitation_id] = {
                "sealed_email": self.sealed_email,
                "role": self.role,
                "email_index": self.email_index,
                "expires_at": self.expires_at,
                "status": "pending",
            }

    class InvitationAccepted(OrionAggregate.Event):
        invitation_id: UUID
        user_id: UUID
        role: str

        def apply(self, team: Any) -> None:
            team.invitations[self.invitation_id]["status"] = "accepted"
            team.members[self.user_id] = self.role

    class InvitationRevoked(OrionAggregate.Event):
        invitation_id: UUID

        def apply(self, team: Any) -> None:
            team.invitations[self.invitation_id]["status"] = "revoked"

    class RoleChanged(OrionAggregate.Event):
        user_id: UUID
        role: str
        previous_role: str

        def apply(self, team: Any) -> None:
            team.members[self.user_id] = self.role

    class MemberRemoved(OrionAggregate.Event):
        user_id: UUID
        role: str

        def apply(self, team: Any) -> None:
            team.members.pop(self.user_id, None)

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.members: dict[UUID, str] = {}
        self.invitations: dict[UUID, dict[str, Any]] = {}

    @classmethod
    def form(cls, *, store_id: UUID, at: datetime) -> Team:
        return cls._create(cls.Formed, id=team_id(store_id), timestamp=at, store_id=store_id)

    def role_of(self, user_id: UUID) -> str | None:
        return self.members.get(user_id)

    def invite(
        self,
        *,
        invitation_id: UUID,
        sealed_email: str,
        email_index: str,
        role: str,
        expires_at: datetime,
        by_role: str | None,
        at: datetime,
    ) -> None:
        check_role(role)
        self._check_may_grant(by_role, role)
        # A new invitation to the same address supersedes the pending one.
        for earlier_id, earlier in list(self.invitations.items()):
            if earlier["status"] == "pending" and earlier["email_index"] == email_index:
                self._trigger(self.InvitationRevoked, at, invitation_id=earlier_id)
        self._trigger(
            self.InvitationSent,
            at,
            invitation_id=invitation_id,
            sealed_email=sealed_email,
            email_index=email_index,
            role=role,
            expires_at=expires_at,
        )

    def pending_invitation(self, invitation_id: UUID, *, at: datetime) -> dict[str, Any]:
        invitation = self.invitations.get(invitation_id)
        if invitation is None or invitation["status"] != "pending":
            raise TokenError()
        if invitation["expires_at"] <= at:
            raise TokenError("the invitation has expired; ask for a new one")
        return invitation

    def accept(self, *, invitation_id: UUID, user_id: UUID, at: datetime) -> None:
        invitation = self.pending_invitation(invitation_id, at=at)
        if user_id in self.members:
            raise ConflictError("you are already a member of this store's team")
        self._trigger(
            self.InvitationAccepted,
            at,
            invitation_id=invitation_id,
            user_id=user_id,
            role=invitation["role"],
        )

    def revoke_invitation(
        self, *, invitation_id: UUID, by_role: str | None = None, at: datetime
    ) -> None:
        invitation = self.invitations.get(invitation_id)
        if invitation is None:
            raise InvitationNotFoundError(
                f"no invitation {invitation_id}", invitation_id=str(invitation_id)
            )
        self._check_may_grant(by_role, invitation["role"])
        if invitation["status"] != "pending":
            raise ConflictError(
                f"the invitation is {invitation['status']}", status=invitation["status"]
            )
        self._trigger(self.InvitationRevoked, at, invitation_id=invitation_id)

    def change_role(self, *, user_id: UUID, role: str, by_role: str | None, at: datetime) -> None:
        check_role(role)
        current = self._member(user_id)
        if current == role:
            return
        self._check_may_grant(by_role, current)
        self._check_may_grant(by_role, role)
        if current == "owner":
            self._check_not_last_owner(user_id, "demoted")
        self._trigger(self.RoleChanged, at, user_id=user_id, role=role, previous_role=current)

    def remove(self, *, user_id: UUID, by_role: str | None, at: datetime) -> None:
        current = self._member(user_id)
        self._check_may_grant(by_role, current)
        if current == "owner":
            self._check_not_last_owner(user_id, "removed")
        self._trigger(self.MemberRemoved, at, user_id=user_id, role=current)

    def _member(self, user_id: UUID) -> str:
        role = self.members.get(user_id)
        if role is None:
            raise MemberNotFoundError(f"no member {user_id}", user_id=str(user_id))
        return role

    def _check_not_last_owner(self, user_id: UUID, what: str) -> None:
        owners = [m for m, r in self.members.items() if r == "owner"]
        if owners == [user_id]:
            raise LastOwnerError(
                f"the store's last owner cannot be {what}; make another member owner first"
            )

    @staticmethod
    def _check_may_grant(by_role: str | None, role: str) -> None:
        # Only owners make, change or remove owners; ``None`` is a platform admin.
        if by_role is not None and role == "owner" and by_role != "owner":
            raise ConflictError("only an owner may grant, change or remove the owner role")


@stable_topics("identity", was="domain.identity.aggregates")
class ApiKey(OrionAggregate):
    """A store's key for integrations: scoped to a role; only a hash of its secret is kept."""

    class Created(OrionAggregate.Created):
        store_id: UUID
        name: str
        role: str
        secret_hash: str  # SHA-256 of 32 random bytes: not reversible, not guessable
        prefix: str

    class Revoked(OrionAggregate.Event):
        def apply(self, key: Any) -> None:
            key.revoked = True

    def __init__(self, store_id: UUID, name: str, role: str, secret_hash: str, prefix: str) -> None:
        self.store_id = store_id
        self.name = name
        self.role = role
        self.secret_hash = secret_hash
        self.prefix = prefix
        self.revoked = False

    @classmethod
    def create(
        cls,
        *,
        key_id: UUID,
        store_id: UUID,
        name: str,
        role: str,
        secret_hash: str,
        prefix: str,
        at: datetime,
    ) -> ApiKey:
        return cls._create(
            cls.Created,
            id=key_id,
            timestamp=at,
            store_id=store_id,
            name=name,
            role=check_role(role),
            secret_hash=secret_hash,
            prefix=prefix,
        )

    def revoke(self, *, at: datetime) -> None:
        if self.revoked:
            raise ConflictError("the key is already revoked")
        self._trigger(self.Revoked, at)
