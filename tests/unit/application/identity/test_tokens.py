"""Access tokens: what they name, their audience, and their expiry by the injected clock."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import jwt
import pytest

from application.identity.tokens import STAFF_AUDIENCE, AccessTokens, shop_audience
from domain.shared.errors import AuthenticationError
from tests.unit.domain.scenario import T0

KEY = b"k" * 32
ACCOUNT, SESSION, STORE = UUID(int=1), UUID(int=2), UUID(int=3)


@pytest.fixture
def tokens() -> AccessTokens:
    return AccessTokens(KEY, timedelta(minutes=15))


def issue(tokens: AccessTokens, store_id: UUID | None = None) -> str:
    return tokens.issue(
        account_kind="customer" if store_id else "user",
        account_id=ACCOUNT,
        session_id=SESSION,
        credentials_version=3,
        store_id=store_id,
        at=T0,
    )


def test_a_token_names_the_account_its_session_and_its_store(tokens: AccessTokens) -> None:
    claims = tokens.decode(issue(tokens, STORE), audience=shop_audience(STORE), now=T0)

    assert (claims.account_kind, claims.account_id, claims.session_id) == (
        "customer",
        ACCOUNT,
        SESSION,
    )
    assert (claims.credentials_version, claims.store_id) == (3, STORE)
    assert claims.expires_at == T0 + timedelta(minutes=15)


def test_a_token_is_good_for_its_audience_only(tokens: AccessTokens) -> None:
    staff = issue(tokens)
    customer = issue(tokens, STORE)

    assert tokens.decode(staff, audience=STAFF_AUDIENCE, now=T0).store_id is None
    for token, audience in (
        (staff, shop_audience(STORE)),
        (customer, STAFF_AUDIENCE),
        (customer, shop_audience(UUID(int=4))),
    ):
        with pytest.raises(AuthenticationError):
            tokens.decode(token, audience=audience, now=T0)


def test_a_token_expires_by_the_clock_it_is_given(tokens: AccessTokens) -> None:
    token = issue(tokens)

    tokens.decode(token, audience=STAFF_AUDIENCE, now=T0 + timedelta(minutes=14, seconds=59))
    with pytest.raises(AuthenticationError, match="expired"):
        tokens.decode(token, audience=STAFF_AUDIENCE, now=T0 + timedelta(minutes=15))


def test_another_key_another_algorithm_or_none_is_refused(tokens: AccessTokens) -> None:
    claims = jwt.decode(
        issue(tokens),
        KEY,
        algorithms=["HS256"],
        audience=STAFF_AUDIENCE,
        options={"verify_exp": False},
    )
    forged = [
        jwt.encode(claims, b"x" * 32, algorithm="HS256"),
        jwt.encode(claims, KEY * 2, algorithm="HS512"),
        jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        jwt.encode({**claims, "iss": "someone"}, KEY, algorithm="HS256"),
        "not.a.token",
    ]
    for token in forged:
        with pytest.raises(AuthenticationError):
            tokens.decode(token, audience=STAFF_AUDIENCE, now=T0)
