"""Platform users: admins, and the people of store teams (one account across stores)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.identity.accounts import AccountService, IssuedSession
from application.platform import CommandResult, Decision
from domain.identity.aggregates import EmailClaim, User
from domain.identity.errors import AccountNotFoundError, EmailTakenError
from domain.identity.values import check_password, check_person_name, normalise_email
from domain.shared.ids import email_claim_id

PLATFORM = "platform"  # the scope of users' e-mail claims


class UserService(AccountService[User]):
    kind = "user"
    cls = User

    def claim_scope(self, account: User) -> str:
        return PLATFORM

    def get(self, user_id: UUID) -> User:
        user = self.find(user_id)
        if user is None:
            raise AccountNotFoundError(f"no user {user_id}", user_id=str(user_id))
        return user

    def new_user(
        self, *, email: str, password: str, name: str, platform_admin: bool, at: datetime
    ) -> tuple[User, EmailClaim]:
        """A user and its e-mail claim, not yet saved (invitations add them to a team save)."""
        email = normalise_email(email)
        check_password(password, email=email)
        user_id = uuid4()
        claim = self.claim_email(PLATFORM, email, user_id, at)
        sealed = self.kit.personal.seal(
            user_id, {"email": email, "name": check_person_name(name, "name")}
        )
        user = User.register(
            user_id=user_id,
            sealed=sealed,
            credentials=self.seal_credentials(user_id, password),
            email_index=self.kit.keyring.email_index(PLATFORM, email),
            platform_admin=platform_admin,
            at=at,
        )
        return user, claim

    def create(
        self,
        ctx: CommandContext,
        *,
        email: str,
        password: str,
        name: str,
        platform_admin: bool = True,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            user, claim = self.new_user(
                email=email, password=password, name=name, platform_admin=platform_admin, at=at
            )
            return Decision(user, touched=[claim], on_conflict=_taken)

        return self.platform.execute(ctx, "CreateUser", decide)

    def login_user(self, ctx: CommandContext, *, email: str, password: str) -> IssuedSession:
        return self.login(ctx, scope=PLATFORM, email=email, password=password, store_id=None)

    def update_profile(
        self, ctx: CommandContext, user_id: UUID, *, name: str, expected_version: int | None
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            user = self.platform.get(
                User, user_id, not_found=_not_found(user_id), expected_version=expected_version
            )
            current = self.profile(user) or {}
            user.change_profile(
                sealed=self.kit.personal.seal(
                    user.id, {**current, "name": check_person_name(name, "name")}
                ),
                at=at,
            )
            return Decision(user)

        return self.platform.execute(ctx, "ChangeUserProfile", decide)

    def set_platform_admin(
        self, ctx: CommandContext, user_id: UUID, platform_admin: bool
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            user = self.get(user_id)
            user.set_platform_admin(platform_admin, at=at)
            return Decision(user)

        return self.platform.execute(ctx, "SetPlatformAdmin", decide)

    def disable(self, ctx: CommandContext, user_id: UUID, *, reason: str) -> CommandResult:
        def decide(at: datetime) -> Decision:
            user = self.get(user_id)
            user.disable(reason=reason, at=at)
            return Decision(user)

        return self.platform.execute(ctx, "DisableUser", decide)

    def enable(self, ctx: CommandContext, user_id: UUID) -> CommandResult:
        def decide(at: datetime) -> Decision:
            user = self.get(user_id)
            user.enable(at=at)
            return Decision(user)

        return self.platform.execute(ctx, "EnableUser", decide)

    def erase(self, ctx: CommandContext, user_id: UUID, *, by: str) -> CommandResult:
        """Erases a user's personal data: the event first, then the key (see CustomerService)."""

        def decide(at: datetime) -> Decision:
            user = self.get(user_id)
            touched: list[Any] = []
            claim = self.platform.find(EmailClaim, _claim_of(user))
            if claim is not None:
                claim.release(owner_id=user.id, at=at)
                touched.append(claim)
            user.erase(by=by, at=at)
            return Decision(user, touched=touched)

        result = self.platform.execute(ctx, "EraseUser", decide)
        self.kit.personal.destroy(user_id)
        return result


def _claim_of(account: Any) -> UUID:
    return email_claim_id(PLATFORM, account.email_index)


def _taken() -> EmailTakenError:
    return EmailTakenError("an account with this e-mail already exists")


def _not_found(user_id: UUID) -> Any:
    return lambda: AccountNotFoundError(f"no user {user_id}", user_id=str(user_id))
