"""Who is calling: the bootstrap admin token, a user's or a customer's access token (bearer
header or cookie), or a store's API key. And what they may do in a store."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from uuid import UUID

import jwt

from application.identity.tokens import STAFF_AUDIENCE
from domain.identity.values import role_allows
from domain.shared.errors import AuthenticationError

if TYPE_CHECKING:
    from interfaces.bootstrap import Orion

PrincipalKind = Literal["anonymous", "platform_admin", "member", "api_key", "customer"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: str
    store_id: UUID | None = None  # the one store of an API key or a customer
    role: str | None = None  # an API key's role
    session_id: UUID | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_platform_admin(self) -> bool:
        return self.kind == "platform_admin"

    @property
    def account_id(self) -> UUID | None:
        """The user or customer behind the principal (not the bootstrap token, not a key)."""
        if self.kind in ("platform_admin", "member", "customer") and self.id != "bootstrap":
            return UUID(self.id)
        return None


ANONYMOUS = Principal("anonymous", "-")
BOOTSTRAP = Principal("platform_admin", "bootstrap")


def token_matches(given: str, expected: str | None) -> bool:
    """Constant-time comparison, so response timing reveals nothing of the token."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def authenticate(orion: Orion, token: str) -> Principal:
    """The principal a bearer token (or the access-token cookie) stands for."""
    if token_matches(token, orion.settings.admin_token):
        return BOOTSTRAP
    if token.startswith("ork_"):
        key = orion.teams.authenticate_api_key(token)
        if key is None:
            raise AuthenticationError("the API key is not valid or was revoked")
        return Principal("api_key", str(key.key_id), store_id=key.store_id, role=key.role)
    try:
        audience = jwt.decode(token, options={"verify_signature": False}).get("aud")
    except jwt.PyJWTError:
        raise AuthenticationError("the token is not valid") from None
    if not isinstance(audience, str):
        raise AuthenticationError("the token is not valid")
    now = orion.clock.now()
    claims = orion.kit.tokens.decode(token, audience=audience, now=now)
    if audience == STAFF_AUDIENCE:
        user = orion.users.authenticate(claims)
        kind: PrincipalKind = "platform_admin" if user.platform_admin else "member"
        return Principal(kind, str(user.id), session_id=claims.session_id)
    customer = orion.customers.authenticate(claims)
    return Principal(
        "customer", str(customer.id), store_id=customer.store_id, session_id=claims.session_id
    )


@dataclass(frozen=True)
class StoreAccess:
    """A principal's rights in one store. ``role`` is None for platform admins (all rights)."""

    principal: Principal
    store_id: UUID
    role: str | None

    def can(self, area: str, access: str) -> bool:
        return self.role is None or role_allows(self.role, area, access)


def store_role(orion: Orion, principal: Principal, store_id: UUID) -> tuple[bool, str | None]:
    """(is part of the store, role): platform admins are part of every store, with no role."""
    if principal.is_platform_admin:
        return True, None
    if principal.kind == "member" and principal.account_id is not None:
        role = orion.teams.role_of(store_id, principal.account_id)
        return role is not None, role
    if principal.kind == "api_key" and principal.store_id == store_id:
        return True, principal.role
    return False, None
