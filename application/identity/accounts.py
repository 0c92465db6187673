"""What every kind of account shares: sealing personal data, e-mail claims, logins, sessions,
password changes and resets. ``UserService`` and ``CustomerService`` specialise it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from application.context import CommandContext
from application.identity.keys import Keyring, Passwords, hash_secret, new_secret, same_hash
from application.identity.tokens import AccessClaims, AccessTokens
from application.platform import CommandResult, Decision, Platform
from application.reactions import Job
from domain.identity.aggregates import (
    ERASED,
    EmailClaim,
    LoginAttempt,
    Session,
    _Account,
)
from domain.identity.errors import TokenError
from domain.identity.values import check_password, normalise_email
from domain.shared.errors import AuthenticationError, OrionError, ValidationError
from domain.shared.ids import email_claim_id
from domain.shared.personal import PersonalData

AccountT = TypeVar("AccountT", bound=_Account)
RESET_LIFETIME = timedelta(hours=1)
# The job that starts a requested reset (``workers/identity.py``), after the request's answer.
REQUEST_RESET_JOB = "workers.identity.request_password_reset"
WRONG_LOGIN = "the e-mail address or the password is wrong"


@dataclass(frozen=True)
class IdentityKit:
    """What the identity use cases need besides the platform."""

    personal: PersonalData
    keyring: Keyring
    passwords: Passwords
    tokens: AccessTokens
    refresh_lifetime: timedelta


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds of life of the access token
    account_id: UUID
    session_id: UUID
    result: CommandResult


@dataclass(frozen=True)
class ProvenSession:
    session_id: UUID
    account_id: UUID


class AccountService(Generic[AccountT]):
    kind: str  # "user" or "customer"
    cls: type[AccountT]

    def __init__(self, platform: Platform, kit: IdentityKit) -> None:
        self.platform = platform
        self.kit = kit

    # -- reading ----------------------------------------------------------------------------

    def find(self, account_id: UUID) -> AccountT | None:
        return self.platform.find(self.cls, account_id)

    def profile(self, account: AccountT) -> dict[str, Any] | None:
        """The account's personal data in clear, or None once erased."""
        return self.open(account, account.sealed)

    def open(self, account: AccountT, sealed: str | None) -> dict[str, Any] | None:
        """One of the account's sealed values in clear. An erased account's are never opened
        again, whatever a key cache still holds: None."""
        if account.status == ERASED:
            return None
        return self.kit.personal.open(account.id, sealed)

    def find_by_email(self, scope: str, email: str) -> AccountT | None:
        claim = self.platform.find(EmailClaim, self.claim_id(scope, email))
        if claim is None or claim.owner_id is None:
            return None
        return self.find(claim.owner_id)

    def claim_id(self, scope: str, email: str) -> UUID:
        return email_claim_id(scope, self.kit.keyring.email_index(scope, email))

    def email_ref(self, scope: str, email: str) -> UUID:
        """The account an address reaches, named by the id of its e-mail claim: one id for
        every spelling of the address (case, padding, full-width letters), found by the same
        work whether or not it has an account, and a keyed hash, not personal data. Throttles
        key on it. A string that is not an address is a ``ValidationError``."""
        return self.claim_id(scope, normalise_email(email))

    def account_ref(self, account_id: UUID) -> UUID | None:
        """``email_ref`` of an account's own address (None if there is no such account)."""
        account = self.find(account_id)
        if account is None:
            return None
        return email_claim_id(self.claim_scope(account), account.email_index)

    def claim_scope(self, account: AccountT) -> str:
        """The scope of the account's e-mail claim: the platform's, or its store's."""
        raise NotImplementedError

    # -- building blocks for the use cases --------------------------------------------------

    def seal_credentials(self, account_id: UUID, password: str) -> str:
        return self.kit.personal.seal(account_id, {"hash": self.kit.passwords.hash(password)})

    def password_matches(self, account: AccountT | None, password: str) -> bool:
        creds = self.open(account, account.credentials) if account else None
        return self.kit.passwords.verify(password, creds.get("hash") if creds else None)

    def claim_email(self, scope: str, email: str, owner_id: UUID, at: datetime) -> EmailClaim:
        index = self.kit.keyring.email_index(scope, email)
        claim = self.platform.find(EmailClaim, email_claim_id(scope, index))
        if claim is None:
            return EmailClaim.claim_new(scope=scope, email_index=index, owner_id=owner_id, at=at)
        claim.reclaim(owner_id=owner_id, at=at)
        return claim

    def new_session(
        self, account: AccountT, store_id: UUID | None, at: datetime
    ) -> tuple[Session, str]:
        secret = new_secret()
        session = Session.start(
            session_id=uuid4(),
            account_kind=self.kind,
            account_id=account.id,
            store_id=store_id,
            credentials_version=account.credentials_version,
            refresh_hash=hash_secret(secret),
            expires_at=at + self.kit.refresh_lifetime,
            at=at,
        )
        return session, f"{session.id.hex}.{secret}"

    def issued(
        self, session: Session, refresh_token: str, result: CommandResult, at: datetime
    ) -> IssuedSession:
        access = self.kit.tokens.issue(
            account_kind=self.kind,
            account_id=session.account_id,
            session_id=session.id,
            credentials_version=session.credentials_version,
            store_id=session.store_id,
            at=at,
        )
        return IssuedSession(
            access_token=access,
            refresh_token=refresh_token,
            expires_in=int(self.kit.tokens.lifetime.total_seconds()),
            account_id=session.account_id,
            session_id=session.id,
            result=result,
        )

    def execute_with_session(
        self,
        ctx: CommandContext,
        command: str,
        decide: Callable[[datetime], tuple[AccountT, list[Any]]],
        store_id: UUID | None,
        on_conflict: Callable[[], OrionError] | None = None,
    ) -> IssuedSession:
        """Run a command that ends in a fresh session for the account (register, login,
        password change): the session is saved with the command's other aggregates."""
        made: dict[str, Any] = {}

        def decision(at: datetime) -> Decision:
            decided = decide(at)
            session, refresh = self.new_session(decided[0], store_id, at)
            made.update(session=session, refresh=refresh, at=at)
            touched: list[Any] = [*decided[1], session]
            return Decision(decided[0], touched=touched, on_conflict=on_conflict)

        # Tokens are given once: a retried request gets new ones (and a duplicate account
        # is still refused by the e-mail claim), so no idempotent replay here.
        result = self.platform.execute(replace(ctx, idempotency_key=None), command, decision)
        return self.issued(made["session"], made["refresh"], result, made["at"])

    # -- use cases common to every account --------------------------------------------------

    def login(
        self, ctx: CommandContext, *, scope: str, email: str, password: str, store_id: UUID | None
    ) -> IssuedSession:
        email = normalise_email(email)
        account = self.find_by_email(scope, email)
        ok = self.password_matches(account, password)  # runs argon2 even with no account
        if account is None or not ok or not account.is_active:
            reason = (
                "unknown_account"
                if account is None
                else "wrong_password"
                if not ok
                else "account_" + account.status
            )
            self._record_failure(ctx, scope, account.id if account else None, reason)
            raise AuthenticationError(WRONG_LOGIN)
        as_account = replace(ctx, actor=f"{self.kind}:{account.id}", store_id=store_id)

        def decide(at: datetime) -> tuple[AccountT, list[Any]]:
            return account, []

        return self.execute_with_session(as_account, f"Login{self.cls.__name__}", decide, store_id)

    def _record_failure(
        self, ctx: CommandContext, scope: str, account_id: UUID | None, reason: str
    ) -> None:
        def decide(at: datetime) -> Decision:
            return Decision(
                LoginAttempt.failed(
                    attempt_id=uuid4(), scope=scope, account_id=account_id, reason=reason, at=at
                )
            )

        # Failed attempts are not idempotent commands: each one is recorded.
        self.platform.execute(replace(ctx, idempotency_key=None), "LoginFailed", decide)

    def refresh(self, ctx: CommandContext, token: str, *, store_id: UUID | None) -> IssuedSession:
        session_hex, _, secret = token.partition(".")
        try:
            session_id = UUID(hex=session_hex)
        except ValueError:
            raise AuthenticationError("the refresh token is not valid") from None
        session = self.platform.find(Session, session_id)
        if (
            session is None
            or session.account_kind != self.kind
            or session.store_id != store_id
            or not secret
        ):
            raise AuthenticationError("the refresh token is not valid")
        given = hash_secret(secret)
        account = self.find(session.account_id)
        as_account = replace(ctx, actor=f"{self.kind}:{session.account_id}", store_id=store_id)
        problem: str | None = None
        if not same_hash(given, session.refresh_hash):
            # A rotated-out token coming back means it was copied: end the whole session.
            if any(same_hash(given, h) for h in session.previous_hashes):
                problem = "reuse_detected"
            else:
                raise AuthenticationError("the refresh token is not valid")
        elif account is None or not account.is_active:
            problem = "account_inactive"
        elif account.credentials_version != session.credentials_version:
            problem = "password_changed"
        elif not session.is_live(self.platform.clock.now()):
            raise AuthenticationError("the session has expired; sign in again")
        if problem is not None:
            self.end_session(as_account, session_id, reason=problem)
            raise AuthenticationError("the session has ended; sign in again")
        made: dict[str, Any] = {}

        def decide(at: datetime) -> Decision:
            fresh = new_secret()
            session.refresh(
                refresh_hash=hash_secret(fresh), expires_at=at + self.kit.refresh_lifetime, at=at
            )
            made.update(refresh=f"{session.id.hex}.{fresh}", at=at)
            return Decision(session)

        result = self.platform.execute(
            replace(as_account, idempotency_key=None), "RefreshSession", decide
        )
        return self.issued(session, made["refresh"], result, made["at"])

    def session_of_refresh_token(
        self, token: str, *, store_id: UUID | None
    ) -> ProvenSession | None:
        """The live session of this kind of account (and of ``store_id``: None for staff) that a
        refresh token proves, if it is that session's current token: logout ends it."""
        session_hex, _, secret = token.partition(".")
        try:
            session = self.platform.find(Session, UUID(hex=session_hex))
        except ValueError:
            return None
        if (
            session is None
            or session.ended
            or session.account_kind != self.kind
            or session.store_id != store_id
            or not secret
            or not same_hash(hash_secret(secret), session.refresh_hash)
        ):
            return None
        return ProvenSession(session.id, session.account_id)

    def end_session(self, ctx: CommandContext, session_id: UUID, *, reason: str) -> None:
        session = self.platform.find(Session, session_id)
        if session is None or session.ended:
            return

        def decide(at: datetime) -> Decision:
            session.end(reason=reason, at=at)
            return Decision(session)

        self.platform.execute(replace(ctx, idempotency_key=None), "EndSession", decide)

    def authenticate(self, claims: AccessClaims) -> AccountT:
        """The account behind a valid access token, if it may still act."""
        account = self.find(claims.account_id) if claims.account_kind == self.kind else None
        if (
            account is None
            or not account.is_active
            or account.credentials_version != claims.credentials_version
        ):
            raise AuthenticationError("the session has ended; sign in again")
        # Logging out ends the session at once, not when its access token expires.
        session = self.platform.find(Session, claims.session_id)
        if session is None or session.ended or session.account_id != account.id:
            raise AuthenticationError("the session has ended; sign in again")
        return account

    def change_password(
        self,
        ctx: CommandContext,
        account_id: UUID,
        *,
        current_password: str,
        new_password: str,
        store_id: UUID | None,
    ) -> IssuedSession:
        """Changes the password, ends every session, and opens a new one for this client."""
        account = self._active(account_id)
        if not self.password_matches(account, current_password):
            raise ValidationError("current_password", "is not the account's password")
        email = (self.profile(account) or {}).get("email")
        check_password(new_password, email=email, field="new_password")

        def decide(at: datetime) -> tuple[AccountT, list[Any]]:
            account.change_password(
                credentials=self.seal_credentials(account.id, new_password), at=at
            )
            return account, []

        return self.execute_with_session(ctx, "ChangePassword", decide, store_id)

    def request_password_reset(
        self, ctx: CommandContext, *, scope: str, email: str
    ) -> CommandResult | None:
        """Starts a reset now if the address has an active account. The API queues
        ``password_reset_job`` instead, so that its answer does not wait for the write."""
        return self.start_password_reset(ctx, self.email_ref(scope, email))

    def password_reset_job(self, ctx: CommandContext, ref: UUID) -> Job:
        """A reset request for the address ``ref`` names (``email_ref``), as a job. Only an
        address with an account writes, and a request that waited for that write would tell by
        its time which addresses have accounts: the job is queued alike for every address, and
        finds out after the answer. Its arguments are ids (job queues keep them)."""
        store = str(ctx.store_id) if ctx.store_id else None
        return Job(REQUEST_RESET_JOB, (self.kind, str(ref), ctx.actor, ctx.correlation_id, store))

    def start_password_reset(self, ctx: CommandContext, ref: UUID) -> CommandResult | None:
        """The work of a reset request: a reset is pending for the active account the address
        reaches, if there is one; else nothing is written."""
        claim = self.platform.find(EmailClaim, ref)
        account = self.find(claim.owner_id) if claim and claim.owner_id else None
        if account is None or not account.is_active:
            return None

        def decide(at: datetime) -> Decision:
            account.request_password_reset(reset_id=uuid4(), expires_at=at + RESET_LIFETIME, at=at)
            return Decision(account)

        return self.platform.execute(
            replace(ctx, idempotency_key=None), "RequestPasswordReset", decide
        )

    def reset_token(self, account_id: UUID, reset_id: UUID) -> str:
        return self.kit.keyring.sign_ids("reset:" + self.kind, account_id, reset_id)

    def confirm_password_reset(
        self, ctx: CommandContext, *, token: str, new_password: str
    ) -> CommandResult:
        account_id, reset_id = self._parse_token("reset:" + self.kind, token)
        account = self.find(account_id)
        if account is None:
            raise TokenError()
        email = (self.profile(account) or {}).get("email")
        check_password(new_password, email=email, field="new_password")

        def decide(at: datetime) -> Decision:
            account.reset_password(
                reset_id=reset_id,
                credentials=self.seal_credentials(account.id, new_password),
                at=at,
            )
            return Decision(account)

        return self.platform.execute(
            replace(ctx, actor=f"{self.kind}:{account.id}"), "ResetPassword", decide
        )

    def _parse_token(self, purpose: str, token: str) -> tuple[UUID, UUID]:
        ids = self.kit.keyring.open_ids(purpose, token, 2)
        if ids is None:
            raise TokenError()
        return ids[0], ids[1]

    def _active(self, account_id: UUID) -> AccountT:
        account = self.find(account_id)
        if account is None or not account.is_active:
            raise AuthenticationError("the session has ended; sign in again")
        return account
