"""Sessions and failed logins: given events → command → expected events or error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.identity.aggregates import LoginAttempt, Session
from domain.identity.errors import TokenError
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

SESSION = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fb001")
ACCOUNT = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fb002")
STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fb003")


def started(expires: int = 60) -> Any:
    return ev(
        Session.Started,
        account_kind="customer",
        account_id=ACCOUNT,
        store_id=STORE,
        credentials_version=1,
        refresh_hash="h0",
        expires_at=at(expires),
    )


def test_a_session_starts_live_until_it_expires() -> None:
    session = Session.start(
        session_id=SESSION,
        account_kind="customer",
        account_id=ACCOUNT,
        store_id=STORE,
        credentials_version=1,
        refresh_hash="h0",
        expires_at=at(60),
        at=at(0),
    )

    assert new_events(session) == [started()]
    assert session.is_live(at(59)) and not session.is_live(at(60))


def test_a_refresh_rotates_the_hash_and_remembers_the_last_ten() -> None:
    session = given(
        SESSION,
        started(expires=1000),
        *(ev(Session.Refreshed, refresh_hash=f"h{n}", expires_at=at(1000)) for n in range(1, 12)),
    )

    session.refresh(refresh_hash="h12", expires_at=at(2000), at=at(500))

    assert new_events(session) == [ev(Session.Refreshed, refresh_hash="h12", expires_at=at(2000))]
    assert session.refresh_hash == "h12" and session.expires_at == at(2000)
    assert session.previous_hashes == [f"h{n}" for n in range(2, 12)]


def test_an_ended_or_expired_session_is_not_refreshed() -> None:
    expired = given(SESSION, started(expires=60))
    rejected(
        expired,
        lambda: expired.refresh(refresh_hash="h1", expires_at=at(200), at=at(60)),
        TokenError,
    )
    ended = given(SESSION, started(), ev(Session.Ended, reason="logout"))
    rejected(
        ended, lambda: ended.refresh(refresh_hash="h1", expires_at=at(200), at=at(5)), TokenError
    )


def test_a_session_ends_once_with_its_reason() -> None:
    session = given(SESSION, started())

    session.end(reason="reuse_detected", at=at(5))
    session.end(reason="logout", at=at(6))

    assert new_events(session) == [ev(Session.Ended, reason="reuse_detected")]
    assert session.ended and session.end_reason == "reuse_detected"
    assert not session.is_live(at(5))


def test_a_failed_login_names_the_account_if_one_matched_never_the_address() -> None:
    attempt = LoginAttempt.failed(
        attempt_id=SESSION, scope="platform", account_id=None, reason="unknown_account", at=at(0)
    )

    assert new_events(attempt) == [
        ev(LoginAttempt.Failed, scope="platform", account_id=None, reason="unknown_account")
    ]
