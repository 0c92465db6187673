"""Accounts: platform users and a store's customers, and the claims on their e-mails.

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
    TokenError,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import email_claim_id
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
