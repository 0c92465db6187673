"""Who is calling. Built so that store members, API keys and customers slot in beside admins."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

PrincipalKind = Literal["anonymous", "platform_admin", "member", "api_key", "customer"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: str
    # store id → role, for members and API keys; customers have exactly one store.
    store_roles: Mapping[UUID, str] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_platform_admin(self) -> bool:
        return self.kind == "platform_admin"

    def can_access_store(self, store_id: UUID) -> bool:
        return self.is_platform_admin or store_id in self.store_roles


ANONYMOUS = Principal("anonymous", "-")


def token_matches(given: str, expected: str | None) -> bool:
    """Constant-time comparison, so response timing reveals nothing of the token."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def authenticate_bearer(token: str, *, admin_token: str | None) -> Principal | None:
    if token_matches(token, admin_token):
        return Principal("platform_admin", "bootstrap")
    return None
