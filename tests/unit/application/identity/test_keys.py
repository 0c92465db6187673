"""The keyring and password hashing: tokens that name ids and cannot be forged, purposes that
do not mix, blind indexes, and password checks that never fail open."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.identity.keys import Keyring, Passwords, hash_secret, new_secret, same_hash
from tests.unit.application.world import CHEAP_ARGON2

A, B = UUID(int=1), UUID(int=2)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(b"a test secret of enough bytes")


def test_a_signed_token_opens_to_its_ids_for_its_purpose_only(keyring: Keyring) -> None:
    token = keyring.sign_ids("invitation", A, B)

    assert keyring.open_ids("invitation", token, 2) == (A, B)
    assert keyring.open_ids("invitation", f"  {token}\n", 2) == (A, B)
    assert keyring.open_ids("reset:user", token, 2) is None
    assert keyring.open_ids("invitation", token, 1) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),
        lambda t: f"{UUID(int=3).hex}.{t.split('.', 1)[1]}",
        lambda t: t.split(".")[0],
        lambda t: "not-a-token",
        lambda t: "zz.zz." + t.split(".")[-1],
    ],
)
def test_a_tampered_token_opens_to_nothing(keyring: Keyring, tamper: object) -> None:
    token = keyring.sign_ids("invitation", A, B)

    assert keyring.open_ids("invitation", tamper(token), 2) is None  # type: ignore[operator]


def test_another_secret_opens_nothing_and_indexes_differently(keyring: Keyring) -> None:
    other = Keyring(b"another secret of enough bytes")
    token = keyring.sign_ids("cart", A)

    assert other.open_ids("cart", token, 1) is None
    assert keyring.email_index("platform", "a@x.io") == keyring.email_index("platform", "a@x.io")
    assert keyring.email_index("platform", "a@x.io") != other.email_index("platform", "a@x.io")
    assert keyring.email_index("platform", "a@x.io") != keyring.email_index("shop", "a@x.io")
    assert len({keyring.kek, keyring.jwt_key, keyring.mac_key, keyring.email_key}) == 4


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Keyring(b"too short")


def test_passwords_verify_and_fail_closed() -> None:
    passwords = Passwords(**CHEAP_ARGON2)
    hashed = passwords.hash("correct horse battery")

    assert passwords.verify("correct horse battery", hashed)
    assert not passwords.verify("wrong horse battery", hashed)
    assert not passwords.verify("correct horse battery", None)  # no account: still hashes
    assert not passwords.verify("correct horse battery", "not a hash")


def test_secrets_are_random_and_compared_by_hash() -> None:
    one, two = new_secret(), new_secret()

    assert one != two and len(one) >= 40
    assert same_hash(hash_secret(one), hash_secret(one))
    assert not same_hash(hash_secret(one), hash_secret(two))
