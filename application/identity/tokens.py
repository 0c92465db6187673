"""Access tokens: short-lived JWTs (HS256) naming the account, its session and its store.

Only HS256 with our own key is accepted: ``alg: none``, another algorithm, another key, another
audience, a wrong issuer or an expired token all fail ``decode`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import jwt

from domain.shared.errors import AuthenticationError

ISSUER = "orion"
STAFF_AUDIENCE = "orion:staff"


def shop_audience(store_id: UUID) -> str:
    # A customer's token is only good at the store that issued it.
    return f"orion:shop:{store_id}"


@dataclass(frozen=True)
class AccessClaims:
    account_kind: str  # "user" or "customer"
    account_id: UUID
    session_id: UUID
    credentials_version: int
    store_id: UUID | None
    expires_at: datetime


class AccessTokens:
    def __init__(self, key: bytes, lifetime: timedelta) -> None:
        self._key = key
        self.lifetime = lifetime

    def issue(
        self,
        *,
        account_kind: str,
        account_id: UUID,
        session_id: UUID,
        credentials_version: int,
        store_id: UUID | None,
        at: datetime,
    ) -> str:
        claims = {
            "iss": ISSUER,
            "aud": shop_audience(store_id) if store_id else STAFF_AUDIENCE,
            "sub": str(account_id),
            "kind": account_kind,
            "sid": str(session_id),
            "cv": credentials_version,
            "iat": int(at.timestamp()),
            "exp": int((at + self.lifetime).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def decode(self, token: str, *, audience: str, now: datetime) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=audience,
                issuer=ISSUER,
                options={
                    "require": ["exp", "iat", "sub", "sid", "aud", "iss"],
                    # Both against our (injectable) clock below, not the library's wall clock.
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            # Expiry against our clock (injectable), not the library's wall clock.
            if int(claims["exp"]) <= int(now.timestamp()):
                raise AuthenticationError("the access token has expired; refresh it")
            store = (
                claims["aud"].removeprefix("orion:shop:")
                if claims["aud"] != STAFF_AUDIENCE
                else None
            )
            return AccessClaims(
                account_kind=str(claims["kind"]),
                account_id=UUID(claims["sub"]),
                session_id=UUID(claims["sid"]),
                credentials_version=int(claims["cv"]),
                store_id=UUID(store) if store else None,
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
            )
        except AuthenticationError:
            raise
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise AuthenticationError("the token is not valid") from None
