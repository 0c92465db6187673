"""Sessions (a sign-in and its refreshes) and failed login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.identity.errors import (
    TokenError,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.topics import stable_topics


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
