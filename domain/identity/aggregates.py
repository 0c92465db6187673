"""People and their access: platform users, store teams, API keys, customers, sessions.

Personal data (names, e-mails, phones, addresses, password hashes) reaches these aggregates
already sealed with the person's own key (``domain.shared.personal``): they keep and record the
sealed text, never the clear one. E-mails are looked up through ``EmailClaim``, whose id is a
keyed hash of the address (a blind index), so the log does not reveal who has an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.identity.errors import (
    AccountStateError,
    AddressNotFoundError,
    EmailTakenError,
    InvitationNotFoundError,
    LastOwnerError,
    MemberNotFoundError,
    TokenError,
)
from domain.identity.values import check_role
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import email_claim_id, team_id
from domain.shared.topics import stable_topics

ACTIVE, DISABLED, ERASED = "active", "disabled", "erased"
MAX_ADDRESSES = 20


@stable_topics("identity", was="domain.identity.aggregates")
class EmailClaim(OrionAggregate):
    """One per (scope, e-mail): a second account with the same e-mail is a conflict in the store.

    ``scope`` is ``"platform"`` for users and a store id for that store's customers.
    """

    class Claimed(OrionAggregate.Created):
        scope: str
        owner_id: UUID

    class Released(OrionAggregate.Event):
        def apply(self, claim: Any) -> None:
            claim.owner_id = None

    class Reclaimed(OrionAggregate.Event):
        owner_id: UUID

        def apply(self, claim: Any) -> None:
            claim.owner_id = self.owner_id

    def __init__(self, scope: str, owner_id: UUID) -> None:
        self.scope = scope
        self.owner_id: UUID | None = owner_id

    @classmethod
    def claim_new(cls, *, scope: str, email_index: str, owner_id: UUID, at: datetime) -> EmailClaim:
        return cls._create(
            cls.Claimed,
            id=email_claim_id(scope, email_index),
            timestamp=at,
            scope=scope,
            owner_id=owner_id,
        )

    def reclaim(self, *, owner_id: UUID, at: datetime) -> None:
        if self.owner_id is not None and self.owner_id != owner_id:
            raise EmailTakenError("an account with this e-mail already exists")
        if self.owner_id is None:
            self._trigger(self.Reclaimed, at, owner_id=owner_id)

    def release(self, *, owner_id: UUID, at: datetime) -> None:
        if self.owner_id == owner_id:
            self._trigger(self.Released, at)


class _Account(OrionAggregate):
    """What users and customers share: sealed profile and credentials, status, resets."""

    def _init_account(self, sealed: str, credentials: str, email_index: str) -> None:
        self.sealed = sealed
        self.credentials = credentials
        self.email_index = email_index
        self.status = ACTIVE
        # Bumped by every password change: sessions started before it are revoked.
        self.credentials_version = 1
        self.pending_reset: dict[str, Any] | None = None

    class ProfileChanged(OrionAggregate.Event):
        sealed: str

        def apply(self, account: Any) -> None:
            account.sealed = self.sealed

    class PasswordChanged(OrionAggregate.Event):
        credentials: str

        def apply(self, account: Any) -> None:
            account.credentials = self.credentials
            account.credentials_version += 1
            account.pending_reset = None

    class PasswordResetRequested(OrionAggregate.Event):
        reset_id: UUID
        expires_at: datetime

        def apply(self, account: Any) -> None:
            account.pending_reset = {"reset_id": self.reset_id, "expires_at": self.expires_at}

    class PasswordReset(OrionAggregate.Event):
        reset_id: UUID
        credentials: str

        def apply(self, account: Any) -> None:
            account.credentials = self.credentials
            account.credentials_version += 1
            account.pending_reset = None

    class Disabled(OrionAggregate.Event):
        reason: str

        def apply(self, account: Any) -> None:
            account.status = DISABLED

    class Enabled(OrionAggregate.Event):
        def apply(self, account: Any) -> None:
            account.status = ACTIVE

    class Erased(OrionAggregate.Event):
        """The person's key was destroyed: what was sealed stays in the log, unreadable."""

        by: str  # "store", "self", "admin"

        def apply(self, account: Any) -> None:
            account.status = ERASED
            account.pending_reset = None
            account.credentials_version += 1

    @property
    def is_active(self) -> bool:
        return bool(self.status == ACTIVE)

    def _check_not_erased(self) -> None:
        if self.status == ERASED:
            raise AccountStateError("this account was erased", status=self.status)

    def change_profile(self, *, sealed: str, at: datetime) -> None:
        self._check_not_erased()
        self._trigger(self.ProfileChanged, at, sealed=sealed)

    def change_password(self, *, credentials: str, at: datetime) -> None:
        self._check_not_erased()
        self._trigger(self.PasswordChanged, at, credentials=credentials)

    def request_password_reset(self, *, reset_id: UUID, expires_at: datetime, at: datetime) -> None:
        if self.status != ACTIVE:
            return  # nothing to reset; the caller answers the same way regardless
        self._trigger(self.PasswordResetRequested, at, reset_id=reset_id, expires_at=expires_at)

    def reset_password(self, *, reset_id: UUID, credentials: str, at: datetime) -> None:
        pending = self.pending_reset
        if (
            self.status != ACTIVE
            or pending is None
            or pending["reset_id"] != reset_id
            or pending["expires_at"] <= at
        ):
            raise TokenError()
        self._trigger(self.PasswordReset, at, reset_id=reset_id, credentials=credentials)

    def disable(self, *, reason: str, at: datetime) -> None:
        self._check_not_erased()
        if self.status == DISABLED:
            raise AccountStateError("the account is already deactivated", status=self.status)
        self._trigger(self.Disabled, at, reason=reason)

    def enable(self, *, at: datetime) -> None:
        self._check_not_erased()
        if self.status == ACTIVE:
            raise AccountStateError("the account is already active", status=self.status)
        self._trigger(self.Enabled, at)

    def erase(self, *, by: str, at: datetime) -> None:
        if self.status != ERASED:
            self._trigger(self.Erased, at, by=by)


@stable_topics("identity", was="domain.identity.aggregates")
class User(_Account):
    """A person who works on the platform: a platform admin, a member of store teams, or both."""

    class Registered(OrionAggregate.Created):
        sealed: str
        credentials: str
        email_index: str
        platform_admin: bool

    class PlatformAdminChanged(OrionAggregate.Event):
        platform_admin: bool

        def apply(self, user: Any) -> None:
            user.platform_admin = self.platform_admin

    def __init__(
        self, sealed: str, credentials: str, email_index: str, platform_admin: bool
    ) -> None:
        self._init_account(sealed, credentials, email_index)
        self.platform_admin = platform_admin

    @classmethod
    def register(
        cls,
        *,
        user_id: UUID,
        sealed: str,
        credentials: str,
        email_index: str,
        platform_admin: bool,
        at: datetime,
    ) -> User:
        return cls._create(
            cls.Registered,
            id=user_id,
            timestamp=at,
            sealed=sealed,
            credentials=credentials,
            email_index=email_index,
            platform_admin=platform_admin,
        )

    def set_platform_admin(self, platform_admin: bool, *, at: datetime) -> None:
        self._check_not_erased()
        if self.platform_admin != platform_admin:
            self._trigger(self.PlatformAdminChanged, at, platform_admin=platform_admin)


@stable_topics("identity", was="domain.identity.aggregates")
class Customer(_Account):
    """A storefront customer: belongs to exactly one store."""

    class Registered(OrionAggregate.Created):
        store_id: UUID
        sealed: str
        credentials: str
        email_index: str
        language: str
        marketing_consent: bool

    class PreferencesChanged(OrionAggregate.Event):
        language: str
        marketing_consent: bool

        def apply(self, customer: Any) -> None:
            customer.language = self.language
            customer.marketing_consent = self.marketing_consent

    class AddressAdded(OrionAggregate.Event):
        address_id: UUID
        sealed: str

        def apply(self, customer: Any) -> None:
            customer.addresses[self.address_id] = self.sealed

    class AddressChanged(OrionAggregate.Event):
        address_id: UUID
        sealed: str

        def apply(self, customer: Any) -> None:
            customer.addresses[self.address_id] = self.sealed

    class AddressRemoved(OrionAggregate.Event):
        address_id: UUID

        def apply(self, customer: Any) -> None:
            customer.addresses.pop(self.address_id, None)
            if customer.default_shipping == self.address_id:
                customer.default_shipping = None
            if customer.default_billing == self.address_id:
                customer.default_billing = None

    class DefaultAddressChanged(OrionAggregate.Event):
        kind: str  # "shipping" or "billing"
        address_id: UUID | None

        def apply(self, customer: Any) -> None:
            setattr(customer, f"default_{self.kind}", self.address_id)

    def __init__(
        self,
        store_id: UUID,
        sealed: str,
        credentials: str,
        email_index: str,
        language: str,
        marketing_consent: bool,
    ) -> None:
        self._init_account(sealed, credentials, email_index)
        self.store_id = store_id
        self.language = language
        self.marketing_consent = marketing_consent
        self.addresses: dict[UUID, str] = {}
        self.default_shipping: UUID | None = None
        self.default_billing: UUID | None = None

    @classmethod
    def register(
        cls,
        *,
        customer_id: UUID,
        store_id: UUID,
        sealed: str,
        credentials: str,
        email_index: str,
        language: str,
        marketing_consent: bool,
        at: datetime,
    ) -> Customer:
        return cls._create(
            cls.Registered,
            id=customer_id,
            timestamp=at,
            store_id=store_id,
            sealed=sealed,
            credentials=credentials,
            email_index=email_index,
            language=language,
            marketing_consent=marketing_consent,
        )

    def change_preferences(self, *, language: str, marketing_consent: bool, at: datetime) -> None:
        self._check_not_erased()
        if (language, marketing_consent) != (self.language, self.marketing_consent):
            self._trigger(
                self.PreferencesChanged, at, language=language, marketing_consent=marketing_consent
            )

    def add_address(
        self,
        *,
        address_id: UUID,
        sealed: str,
        default_shipping: bool,
        default_billing: bool,
        at: datetime,
    ) -> None:
        self._check_not_erased()
        if len(self.addresses) >= MAX_ADDRESSES:
            raise ConflictError(f"a customer keeps at most {MAX_ADDRESSES} addresses")
        self._trigger(self.AddressAdded, at, address_id=address_id, sealed=sealed)
        # The first address becomes the default for both, as shoppers expect.
        if default_shipping or self.default_shipping is None:
            self.set_default(kind="shipping", address_id=address_id, at=at)
        if default_billing or self.default_billing is None:
            self.set_default(kind="billing", address_id=address_id, at=at)

    def change_address(self, *, address_id: UUID, sealed: str, at: datetime) -> None:
        self._check_not_erased()
        self._address(address_id)
        self._trigger(self.AddressChanged, at, address_id=address_id, sealed=sealed)

    def remove_address(self, *, address_id: UUID, at: datetime) -> None:
        self._check_not_erased()
        self._address(address_id)
        self._trigger(self.AddressRemoved, at, address_id=address_id)

    def set_default(self, *, kind: str, address_id: UUID, at: datetime) -> None:
        if kind not in ("shipping", "billing"):
            raise ValidationError("kind", "must be shipping or billing")
        self._address(address_id)
        if getattr(self, f"default_{kind}") != address_id:
            self._trigger(self.DefaultAddressChanged, at, kind=kind, address_id=address_id)

    def _address(self, address_id: UUID) -> str:
        try:
            return self.addresses[address_id]
        except KeyError:
            raise AddressNotFoundError(
                f"no address {address_id}", address_id=str(address_id)
            ) from None


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


@stable_topics("identity", was="domain.identity.aggregates")
class Session(OrionAggregate):
    """A login: its refresh token rotates at every refresh; an old one coming back ends it."""

    class Started(OrionAggregate.Created):
        account_kind: str  # "user" or "customer"
        account_id: UUID
        store_id: UUID | None
        credentials_version: int
        refresh_hash: str
        expires_at: datetime

    class Refreshed(OrionAggregate.Event):
        refresh_hash: str
        expires_at: datetime

        def apply(self, session: Any) -> None:
            session.previous_hashes = [*session.previous_hashes, session.refresh_hash][-10:]
            session.refresh_hash = self.refresh_hash
            session.expires_at = self.expires_at

    class Ended(OrionAggregate.Event):
        reason: str  # "logout", "reuse_detected", "password_changed", "account_disabled"

        def apply(self, session: Any) -> None:
            session.ended = True
            session.end_reason = self.reason

    def __init__(
        self,
        account_kind: str,
        account_id: UUID,
        store_id: UUID | None,
        credentials_version: int,
        refresh_hash: str,
        expires_at: datetime,
    ) -> None:
        self.account_kind = account_kind
        self.account_id = account_id
        self.store_id = store_id
        self.credentials_version = credentials_version
        self.refresh_hash = refresh_hash
        self.previous_hashes: list[str] = []
        self.expires_at = expires_at
        self.ended = False
        self.end_reason: str | None = None

    @classmethod
    def start(
        cls,
        *,
        session_id: UUID,
        account_kind: str,
        account_id: UUID,
        store_id: UUID | None,
        credentials_version: int,
        refresh_hash: str,
        expires_at: datetime,
        at: datetime,
    ) -> Session:
        return cls._create(
            cls.Started,
            id=session_id,
            timestamp=at,
            account_kind=account_kind,
            account_id=account_id,
            store_id=store_id,
            credentials_version=credentials_version,
            refresh_hash=refresh_hash,
            expires_at=expires_at,
        )

    def is_live(self, at: datetime) -> bool:
        return not self.ended and self.expires_at > at

    def refresh(self, *, refresh_hash: str, expires_at: datetime, at: datetime) -> None:
        if not self.is_live(at):
            raise TokenError("the session has ended; sign in again")
        self._trigger(self.Refreshed, at, refresh_hash=refresh_hash, expires_at=expires_at)

    def end(self, *, reason: str, at: datetime) -> None:
        if not self.ended:
            self._trigger(self.Ended, at, reason=reason)


@stable_topics("identity", was="domain.identity.aggregates")
class LoginAttempt(OrionAggregate):
    """A failed login, for the audit log. Holds no e-mail: only the account, if one matched."""

    class Failed(OrionAggregate.Created):
        scope: str
        account_id: UUID | None
        reason: str  # "unknown_account", "wrong_password", "disabled"

    def __init__(self, scope: str, account_id: UUID | None, reason: str) -> None:
        self.scope = scope
        self.account_id = account_id
        self.reason = reason

    @classmethod
    def failed(
        cls, *, attempt_id: UUID, scope: str, account_id: UUID | None, reason: str, at: datetime
    ) -> LoginAttempt:
        return cls._create(
            cls.Failed,
            id=attempt_id,
            timestamp=at,
            scope=scope,
            account_id=account_id,
            reason=reason,
        )
