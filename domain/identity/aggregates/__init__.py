"""People and their access: platform users, store teams, API keys, customers, sessions."""

from domain.identity.aggregates.accounts import (
    ACTIVE,
    DISABLED,
    ERASED,
    MAX_ADDRESSES,
    Customer,
    EmailClaim,
    User,
    _Account,
)
from domain.identity.aggregates.sessions import LoginAttempt, Session
from domain.identity.aggregates.teams import ApiKey, Team

__all__ = [
    "ACTIVE",
    "DISABLED",
    "ERASED",
    "MAX_ADDRESSES",
    "ApiKey",
    "Customer",
    "EmailClaim",
    "LoginAttempt",
    "Session",
    "Team",
    "User",
    "_Account",
]
