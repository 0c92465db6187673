"""Store teams: invitations, roles, removal (never of the last owner), and API keys."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.identity.accounts import IdentityKit, IssuedSession
from application.identity.keys import hash_secret, new_secret, same_hash
from application.identity.users import PLATFORM, UserService
from application.platform import CommandResult, Decision, Platform, check_version
from domain.identity.aggregates import ApiKey, Team, User
from domain.identity.errors import ApiKeyNotFoundError, TokenError
from domain.identity.values import check_role, normalise_email
from domain.shared.errors import AuthenticationError, ConflictError
from domain.shared.ids import email_claim_id, team_id
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError
from domain.stores.values import check_name

INVITATION_LIFETIME = timedelta(days=7)
KEY_PREFIX = "ork_"


@dataclass(frozen=True)
class NewApiKey:
    result: CommandResult
    token: str  # shown once
    # As the key keeps them (the name cleaned): what the list of keys will show.
    prefix: str
    name: str
    role: str


@dataclass(frozen=True)
class ApiKeyIdentity:
    key_id: UUID
    store_id: UUID
    role: str


class TeamService:
    def __init__(self, platform: Platform, kit: IdentityKit, users: UserService) -> None:
        self.platform = platform
        self.kit = kit
        self.users = users

    # -- reading ----------------------------------------------------------------------------

    def team(self, store_id: UUID) -> Team | None:
        return self.platform.find(Team, team_id(store_id))

    def role_of(self, store_id: UUID, user_id: UUID) -> str | None:
        team = self.team(store_id)
        return team.role_of(user_id) if team else None

    def _team_for_change(self, store_id: UUID, at: datetime) -> Team:
        store = self.platform.find(Store, store_id)
        if store is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return self.team(store_id) or Team.form(store_id=store_id, at=at)

    # -- invitations ------------------------------------------------------------------------

    def invite(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        email: str,
        role: str,
        by_role: str | None,
    ) -> CommandResult:
        """Invites a person by e-mail; the mail (with a single-use link) is sent by a job that
        follows the log. ``by_role`` is the inviter's role (None for platform admins)."""
        email = normalise_email(email)
        check_role(role)
        invitation_id = uuid4()
        index = self.kit.keyring.email_index(PLATFORM, email)

        def decide(at: datetime) -> Decision:
            team = self._team_for_change(store_id, at)
            existing = self.users.find_by_email(PLATFORM, email)
            if existing is not None and existing.id in team.members:
                raise ConflictError("this person is already a member of the team")
            team.invite(
                invitation_id=invitation_id,
                sealed_email=self.kit.personal.seal(invitation_id, {"email": email}),
                email_index=index,
                role=role,
                expires_at=at + INVITATION_LIFETIME,
                by_role=by_role,
                at=at,
            )
            return Decision(team)

        return self.platform.execute(ctx.for_store(store_id), "InviteMember", decide)

    def sent_invitation(self, store_id: UUID, result: CommandResult) -> UUID:
        """The invitation an ``invite`` answered with ``result`` sent: its ``InvitationSent`` is
        the command's last event, so it is the team's newest invitation at that version (exact,
        even when others invite at the same time, and for a replayed idempotent request)."""
        team = self.platform.find(Team, team_id(store_id), version=result.version)
        if team is None or not team.invitations:  # cannot happen after a successful invite
            raise LookupError(f"no invitation in team {result.id} at version {result.version}")
        return list(team.invitations)[-1]

    def invitation_token(self, store_id: UUID, invitation_id: UUID) -> str:
        return self.kit.keyring.sign_ids("invitation", store_id, invitation_id)

    def parse_invitation_token(self, token: str) -> tuple[UUID, UUID]:
        ids = self.kit.keyring.open_ids("invitation", token, 2)
        if ids is None:
            raise TokenError()
        return ids[0], ids[1]

    def invitee_ref(self, token: str) -> UUID | None:
        """The account an invitation's address reaches (``AccountService.email_ref``): who
        accepts it with a password proves that account's. None for a bad token."""
        try:
            store_id, invitation_id = self.parse_invitation_token(token)
        except TokenError:
            return None
        team = self.team(store_id)
        invitation = team.invitations.get(invitation_id) if team else None
        return email_claim_id(PLATFORM, invitation["email_index"]) if invitation else None

    def invitation_email(self, invitation_id: UUID, sealed: str) -> str | None:
        data = self.kit.personal.open(invitation_id, sealed)
        return data.get("email") if data else None

    def accept(
        self, ctx: CommandContext, *, token: str, password: str, name: str = ""
    ) -> IssuedSession:
        """Accepts an invitation. A new person sets a password; someone who already has an
        account proves it with theirs. Either way they are signed in."""
        store_id, invitation_id = self.parse_invitation_token(token)
        team = self.team(store_id)
        if team is None:
            raise TokenError()
        invitation = team.invitations.get(invitation_id)
        email = (
            self.invitation_email(invitation_id, invitation["sealed_email"]) if invitation else None
        )
        if email is None:
            raise TokenError()
        existing = self.users.find_by_email(PLATFORM, email)
        if existing is not None and not (
            existing.is_active and self.users.password_matches(existing, password)
        ):
            raise AuthenticationError(
                "an account with this e-mail exists: give its password to accept"
            )

        def decide(at: datetime) -> tuple[User, list[Any]]:
            current = self.team(store_id)
            if current is None:
                raise TokenError()
            current.pending_invitation(invitation_id, at=at)
            touched: list[Any] = [current]
            if existing is not None:
                user = existing
            else:
                user, claim = self.users.new_user(
                    email=email, password=password, name=name, platform_admin=False, at=at
                )
                touched.append(claim)
            current.accept(invitation_id=invitation_id, user_id=user.id, at=at)
            return user, touched

        accepted = self.users.execute_with_session(
            replace(ctx, store_id=store_id), "AcceptInvitation", decide, store_id=None
        )
        # The address now lives in the member's own sealed profile; the invitation's copy is
        # shredded so that erasing the member erases it everywhere.
        self.kit.personal.destroy(invitation_id)
        return accepted

    def revoke_invitation(
        self,
        ctx: CommandContext,
        store_id: UUID,
        invitation_id: UUID,
        *,
        by_role: str | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            team = self._team_for_change(store_id, at)
            team.revoke_invitation(invitation_id=invitation_id, by_role=by_role, at=at)
            return Decision(team)

        result = self.platform.execute(ctx.for_store(store_id), "RevokeInvitation", decide)
        self.kit.personal.destroy(invitation_id)
        return result

    # -- members ----------------------------------------------------------------------------

    def change_role(
        self,
        ctx: CommandContext,
        store_id: UUID,
        user_id: UUID,
        *,
        role: str,
        by_role: str | None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            team = self._team_for_change(store_id, at)
            check_version(team, expected_version)
            team.change_role(user_id=user_id, role=role, by_role=by_role, at=at)
            return Decision(team)

        return self.platform.execute(ctx.for_store(store_id), "ChangeMemberRole", decide)

    def remove(
        self,
        ctx: CommandContext,
        store_id: UUID,
        user_id: UUID,
        *,
        by_role: str | None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            team = self._team_for_change(store_id, at)
            check_version(team, expected_version)
            team.remove(user_id=user_id, by_role=by_role, at=at)
            return Decision(team)

        return self.platform.execute(ctx.for_store(store_id), "RemoveMember", decide)

    # -- API keys ---------------------------------------------------------------------------

    def create_api_key(
        self, ctx: CommandContext, store_id: UUID, *, name: str, role: str, by_role: str | None
    ) -> NewApiKey:
        check_role(role)
        if by_role is not None and role == "owner" and by_role != "owner":
            raise ConflictError("only an owner may create a key with the owner role")
        key_id = uuid4()
        secret = new_secret()
        token = f"{KEY_PREFIX}{key_id.hex}_{secret}"
        prefix = token[: len(KEY_PREFIX) + 8]
        cleaned: list[str] = []

        def decide(at: datetime) -> Decision:
            if self.platform.find(Store, store_id) is None:
                raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
            cleaned.append(check_name(name))
            key = ApiKey.create(
                key_id=key_id,
                store_id=store_id,
                name=cleaned[-1],
                role=role,
                secret_hash=hash_secret(secret),
                prefix=prefix,
                at=at,
            )
            return Decision(key)

        # A key is shown once: a retried request makes a new key rather than replaying.
        result = self.platform.execute(
            replace(ctx.for_store(store_id), idempotency_key=None), "CreateApiKey", decide
        )
        return NewApiKey(result, token, prefix=prefix, name=cleaned[-1], role=role)

    def revoke_api_key(self, ctx: CommandContext, store_id: UUID, key_id: UUID) -> CommandResult:
        def decide(at: datetime) -> Decision:
            key = self.platform.find(ApiKey, key_id)
            if key is None or key.store_id != store_id:
                raise ApiKeyNotFoundError(f"no API key {key_id}", key_id=str(key_id))
            key.revoke(at=at)
            return Decision(key)

        return self.platform.execute(ctx.for_store(store_id), "RevokeApiKey", decide)

    def authenticate_api_key(self, token: str) -> ApiKeyIdentity | None:
        body = token.removeprefix(KEY_PREFIX)
        key_hex, _, secret = body.partition("_")
        if not token.startswith(KEY_PREFIX) or not secret:
            return None
        try:
            key_id = UUID(hex=key_hex)
        except ValueError:
            return None
        key = self.platform.find(ApiKey, key_id)
        if key is None or key.revoked or not same_hash(hash_secret(secret), key.secret_hash):
            return None
        return ApiKeyIdentity(key_id=key.id, store_id=key.store_id, role=key.role)
