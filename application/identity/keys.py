"""The platform's secrets, derived from one key: blind indexes, token MACs, JWT signing, and
the key that wraps personal-data keys. Also password hashing (argon2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from uuid import UUID

from argon2.low_level import Type
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 20-40 ms per hash
# on this class of machine (see ops/bench/RESULTS.md, "login"). Stored hashes carry their own
# parameters, so raising these later re-hashes passwords at their next login.
ARGON2 = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


class Keyring:
    """Purpose-bound keys (HKDF) from the one configured secret: a leaked derived key (say,
    the JWT key) reveals nothing of the others."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        self._secret = secret
        self.email_key = self.derive("orion email blind index")
        self.mac_key = self.derive("orion single-use token mac")
        self.jwt_key = self.derive("orion access token signing")
        self.kek = self.derive("orion personal data key wrapping")

    def derive(self, purpose: str) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self._secret
        )

    def email_index(self, scope: str, email: str) -> str:
        """A keyed hash of a normalised e-mail: finds an account without storing the address."""
        return hmac.new(self.email_key, f"{scope}\x00{email}".encode(), hashlib.sha256).hexdigest()

    def mac(self, purpose: str, value: str) -> str:
        digest = hmac.new(self.mac_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")

    def check_mac(self, purpose: str, value: str, mac: str) -> bool:
        return hmac.compare_digest(self.mac(purpose, value).encode(), mac.encode())

    def sign_ids(self, purpose: str, *ids: UUID) -> str:
        """A token naming ``ids``, unforgeable without the key: ``<hex>.<hex>.<mac>``. Nothing
        is stored; a link in a mail is checked by recomputing its MAC."""
        value = ".".join(i.hex for i in ids)
        return f"{value}.{self.mac(purpose, value)}"

    def open_ids(self, purpose: str, token: str, count: int) -> tuple[UUID, ...] | None:
        """The ids a ``sign_ids`` token names, or None if it is malformed or forged."""
        *parts, mac = token.strip().split(".")
        if len(parts) != count or not self.check_mac(purpose, ".".join(parts), mac):
            return None
        try:
            return tuple(UUID(hex=p) for p in parts)
        except ValueError:
            return None


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(secret: str) -> str:
    """For high-entropy random secrets (refresh tokens, API keys): SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Passwords:
    def __init__(self, **argon2: int) -> None:
        self._hash = PasswordHash((Argon2Hasher(type=Type.ID, **(argon2 or ARGON2)),))
        # Verifying against this when no account matched makes both answers take as long.
        self._dummy = self._hash.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, hashed: str | None) -> bool:
        if hashed is None:
            self._hash.verify(password, self._dummy)
            return False
        try:
            return self._hash.verify(password, hashed)
        except Exception:  # a malformed stored hash is a failed login, not a 500
            return False
