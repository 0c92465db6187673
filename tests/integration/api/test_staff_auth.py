"""Staff sign-in through HTTP: login, /me, refresh rotation, logout, cookies and CSRF, password
change and reset, forged and expired tokens, the login throttle. Both backends.

The helpers at the top are shared by the other staff identity tests (team, API keys, users).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
import pytest
from fastapi.testclient import TestClient

from adapters.queue import InlineJobQueue, JobQueue, JobTable
from application.context import CommandContext
from application.identity.tokens import ISSUER, STAFF_AUDIENCE
from domain.identity.aggregates import Session, User
from domain.identity.values import PASSWORD_RULE
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.builders import Api

AUTH = "/api/v1/auth"
USERS = "/api/v1/admin/users"
PASSWORD = "correct horse battery"


# -- helpers shared by the staff identity tests ----------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_email(prefix: str = "staff") -> str:
    return f"{prefix}.{secrets.token_hex(4)}@example.com"


def make_user(
    api: Api,
    email: str | None = None,
    *,
    name: str = "Ada Lovelace",
    password: str = PASSWORD,
    platform_admin: bool = False,
) -> tuple[str, str]:
    """A user made by the bootstrap admin: (id, e-mail)."""
    email = email or new_email()
    body = {"email": email, "name": name, "password": password, "platform_admin": platform_admin}
    created = api.post(USERS, body, expect=201).json()
    return created["id"], email


def login(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    response = client.post(f"{AUTH}/login", json={"email": email, "password": password, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def problem_field(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert len(fields) == 1, fields
    return str(fields[0])


def run_queued_jobs(orion: Orion) -> None:
    """Wait for the jobs queued in this process (a reset request's, say) to have run."""
    assert isinstance(orion.jobs, InlineJobQueue)
    assert orion.jobs.drain(timeout=10)


class HeldJobs:
    """A job queue that holds what is queued until the test runs it: what a request wrote
    before its answer is then told apart from what its jobs write."""

    def __init__(self, table: JobTable) -> None:
        self.table = table
        self.held: list[tuple[str, tuple[Any, ...]]] = []

    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        self.held.append((func, args))

    def run(self) -> None:
        held, self.held = self.held, []
        for func, args in held:
            self.table[func](*args)


_check: JobQueue = HeldJobs({})


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"] == "Bearer"


class MovableClock:
    """An injected clock that starts two months ago (so tokens' ``iat`` stays in the past for
    PyJWT, which checks it against the wall clock) and moves only when a test says so."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC) - timedelta(days=60)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, TestClient, MovableClock]]:
    yield from clocked_orion(settings)


def clocked_orion(settings: Settings) -> Iterator[tuple[Orion, TestClient, MovableClock]]:
    """An Orion on the test's database whose clock the test moves."""
    clock = MovableClock()
    instance = bootstrap(settings, clock=clock)
    app = create_app(instance, run_projections=True)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield instance, client, clock
    finally:
        instance.close()


@pytest.fixture
def https_client(orion: Orion) -> Iterator[TestClient]:
    """Secure cookies only travel over HTTPS."""
    app = create_app(orion, run_projections=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


# -- login, /me, refresh, logout -------------------------------------------------------------


def test_login_me_refresh_and_logout(api: Api, client: TestClient, orion: Orion) -> None:
    user_id, email = make_user(api, "  Ada.Staff@Example.COM ")
    response = client.post(f"{AUTH}/login", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    session = response.json()
    assert session["account_id"] == user_id and session["token_type"] == "Bearer"
    assert session["expires_in"] == 15 * 60 and "csrf_token" not in session
    position = int(response.headers["X-Orion-Position"])

    me = client.get(
        f"{AUTH}/me", headers=bearer(session["access_token"]), params={"min_position": position}
    )
    assert me.status_code == 200, me.text
    assert me.json() == {
        "id": user_id,
        "kind": "member",
        "platform_admin": False,
        "email": "ada.staff@example.com",
        "name": "Ada Lovelace",
        "version": 1,
        "memberships": [],
    }

    renamed = client.patch(
        f"{AUTH}/me",
        json={"name": "  Ada   King "},
        headers={**bearer(session["access_token"]), "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 2 and renamed.headers["ETag"] == '"2"'
    stale = client.patch(
        f"{AUTH}/me",
        json={"name": "Other"},
        headers={**bearer(session["access_token"]), "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert client.get(f"{AUTH}/me", headers=bearer(session["access_token"])).json()["name"] == (
        "Ada King"
    )

    refreshed = client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()
    assert fresh["session_id"] == session["session_id"]
    assert fresh["refresh_token"] != session["refresh_token"]
    assert client.get(f"{AUTH}/me", headers=bearer(fresh["access_token"])).status_code == 200

    out = client.post(f"{AUTH}/logout", headers=bearer(fresh["access_token"]))
    assert out.status_code == 204 and out.content == b""
    # The session is over: its refresh token is refused.
    assert_unauthenticated(
        client.post(f"{AUTH}/refresh", json={"refresh_token": fresh["refresh_token"]})
    )
    ended = orion.platform.find(Session, UUID(session["session_id"]))
    assert ended is not None and ended.end_reason == "logout"


def test_logout_by_refresh_token_needs_the_current_one(
    api: Api, client: TestClient, orion: Orion
) -> None:
    _, email = make_user(api)
    session = login(client, email)
    head = orion.platform.head()
    forged = session["refresh_token"][:-4] + "AAAA"
    assert_unauthenticated(client.post(f"{AUTH}/logout", json={"refresh_token": forged}))
    assert orion.platform.head() == head
    assert (
        client.post(f"{AUTH}/logout", json={"refresh_token": session["refresh_token"]}).status_code
        == 204
    )
    assert_unauthenticated(
        client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"]})
    )


def test_a_wrong_email_and_a_wrong_password_get_the_same_answer(
    api: Api, client: TestClient
) -> None:
    _, email = make_user(api)
    wrong_password = client.post(f"{AUTH}/login", json={"email": email, "password": "x" * 12})
    unknown = client.post(
        f"{AUTH}/login", json={"email": new_email("nobody"), "password": PASSWORD}
    )
    assert_unauthenticated(wrong_password)
    assert_unauthenticated(unknown)
    assert wrong_password.json() == unknown.json()
    assert "access_token" not in wrong_password.text


def test_me_for_the_bootstrap_token(client: TestClient, admin_headers: dict[str, str]) -> None:
    me = client.get(f"{AUTH}/me", headers=admin_headers)
    assert me.status_code == 200
    assert me.json() == {
        "id": "bootstrap",
        "kind": "platform_admin",
        "platform_admin": True,
        "memberships": [],
    }
    # No account behind it: nothing to rename.
    assert client.patch(f"{AUTH}/me", json={"name": "X"}, headers=admin_headers).status_code == 403
    assert_unauthenticated(client.get(f"{AUTH}/me"))


# -- cookies and CSRF ------------------------------------------------------------------------


def set_cookies(response: Any) -> dict[str, str]:
    """Set-Cookie lines by cookie name."""
    lines = response.headers.get_list("set-cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def test_cookie_sessions_need_the_csrf_header(
    api: Api, https_client: TestClient, orion: Orion
) -> None:
    client = https_client
    _, email = make_user(api)
    response = client.post(
        f"{AUTH}/login", json={"email": email, "password": PASSWORD, "use_cookies": True}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "access_token" not in answer and "refresh_token" not in answer
    cookies = set_cookies(response)
    access, refresh, csrf = cookies["orion_access"], cookies["orion_refresh"], cookies["orion_csrf"]
    for line in (access, refresh):
        assert "HttpOnly" in line and "Secure" in line
    assert "samesite=lax" in access.lower() and "Path=/;" in access + ";"
    assert "samesite=strict" in refresh.lower() and "Path=/api/v1/auth" in refresh
    assert "HttpOnly" not in csrf and "Secure" in csrf and "samesite=strict" in csrf.lower()
    assert client.cookies["orion_csrf"] == answer["csrf_token"]

    assert client.get(f"{AUTH}/me").json()["email"] == email

    head = orion.platform.head()
    refused = client.patch(f"{AUTH}/me", json={"name": "Mallory"})
    assert refused.status_code == 403, refused.text
    wrong = client.patch(f"{AUTH}/me", json={"name": "Mallory"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert orion.platform.head() == head
    csrf_header = {"X-CSRF-Token": answer["csrf_token"]}
    assert (
        client.patch(f"{AUTH}/me", json={"name": "Grace"}, headers=csrf_header).status_code == 200
    )
    assert client.get(f"{AUTH}/me").json()["name"] == "Grace"

    # Refreshing by cookie is a state change as well: CSRF header required, cookies rotated.
    assert client.post(f"{AUTH}/refresh").status_code == 403
    rotated = client.post(f"{AUTH}/refresh", headers=csrf_header)
    assert rotated.status_code == 200, rotated.text
    assert "refresh_token" not in rotated.json()
    new_cookies = set_cookies(rotated)
    assert new_cookies.keys() >= {"orion_access", "orion_refresh", "orion_csrf"}
    csrf_header = {"X-CSRF-Token": rotated.json()["csrf_token"]}
    assert client.get(f"{AUTH}/me").status_code == 200

    out = client.post(f"{AUTH}/logout", headers=csrf_header)
    assert out.status_code == 204
    cleared = set_cookies(out)
    assert {"orion_access", "orion_refresh", "orion_csrf"} <= cleared.keys()
    assert all('=""' in line or "Max-Age=0" in line for line in cleared.values())
    assert_unauthenticated(client.get(f"{AUTH}/me"))


# -- password change, reset ------------------------------------------------------------------


def test_a_password_change_ends_every_other_session(
    api: Api, client: TestClient, orion: Orion
) -> None:
    _, email = make_user(api)
    laptop, phone = login(client, email), login(client, email)
    path = f"{AUTH}/me/password"
    head = orion.platform.head()
    wrong = client.post(
        path,
        json={"current_password": "not the password", "new_password": "a new secret 42"},
        headers=bearer(laptop["access_token"]),
    )
    assert wrong.status_code == 422 and problem_field(wrong) == "current_password"
    weak = client.post(
        path,
        json={"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"},
        headers=bearer(laptop["access_token"]),
    )
    assert weak.status_code == 422 and problem_field(weak) == "new_password"
    assert weak.json()["errors"][0]["message"] == PASSWORD_RULE
    assert orion.platform.head() == head

    changed = client.post(
        path,
        json={"current_password": PASSWORD, "new_password": "a new secret 42"},
        headers=bearer(laptop["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    for old in (laptop, phone):
        assert_unauthenticated(client.get(f"{AUTH}/me", headers=bearer(old["access_token"])))
        assert_unauthenticated(
            client.post(f"{AUTH}/refresh", json={"refresh_token": old["refresh_token"]})
        )
    assert client.get(f"{AUTH}/me", headers=bearer(fresh["access_token"])).status_code == 200
    assert_unauthenticated(
        client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    )
    login(client, email, "a new secret 42")


def test_password_reset(api: Api, client: TestClient, orion: Orion) -> None:
    user_id, email = make_user(api)
    before = login(client, email)
    unknown = client.post(f"{AUTH}/password-reset/request", json={"email": new_email("nobody")})
    assert unknown.status_code == 202
    known = client.post(f"{AUTH}/password-reset/request", json={"email": email})
    assert known.status_code == 202 and known.content == unknown.content
    run_queued_jobs(orion)
    user = orion.platform.find(User, UUID(user_id))
    assert user is not None and user.pending_reset is not None
    token = orion.users.reset_token(user.id, user.pending_reset["reset_id"])

    confirm = f"{AUTH}/password-reset/confirm"
    head = orion.platform.head()
    weak = client.post(confirm, json={"token": token, "new_password": "short"})
    assert weak.status_code == 422 and problem_field(weak) == "new_password"
    tampered = client.post(
        confirm, json={"token": token[:-3] + "abc", "new_password": "brand new pw 7"}
    )
    assert tampered.status_code == 422 and problem_field(tampered) == "token"
    assert orion.platform.head() == head

    done = client.post(confirm, json={"token": token, "new_password": "brand new pw 7"})
    assert done.status_code == 204, done.text
    again = client.post(confirm, json={"token": token, "new_password": "another one 99"})
    assert again.status_code == 422 and problem_field(again) == "token"
    assert_unauthenticated(client.get(f"{AUTH}/me", headers=bearer(before["access_token"])))
    login(client, email, "brand new pw 7")


def test_a_reset_request_answers_alike_and_before_anything_is_written(
    api: Api, client: TestClient, orion: Orion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known address must not answer later than an unknown one: both requests do the same
    work up to the answer (one queued job each, nothing written), and the reset is written
    by the job, after the answer."""
    user_id, email = make_user(api)
    jobs = HeldJobs(orion.job_table)
    monkeypatch.setattr(orion, "jobs", jobs)
    head = orion.platform.head()
    known = client.post(f"{AUTH}/password-reset/request", json={"email": spellings(email)[3]})
    unknown = client.post(f"{AUTH}/password-reset/request", json={"email": new_email("nobody")})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.headers.keys() == unknown.headers.keys()
    assert orion.platform.head() == head  # nothing written on the way to either answer
    (known_func, known_args), (unknown_func, unknown_args) = jobs.held
    assert known_func == unknown_func
    # The same job but for the address's claim id (a keyed hash: no address in a queue) and
    # the request's correlation id.
    kind, ref, actor, _, store = known_args
    assert (kind, actor, store) == (unknown_args[0], unknown_args[2], unknown_args[4])
    assert ref == str(orion.users.email_ref("platform", email)) != unknown_args[1]
    assert not any("@" in str(a) for a in (*known_args, *unknown_args))

    jobs.run()
    user = orion.platform.find(User, UUID(user_id))
    assert user is not None and user.pending_reset is not None
    assert orion.platform.head() > head


# -- expired and forged tokens ---------------------------------------------------------------


def claims_for(user_id: str, session_id: str, **override: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": ISSUER,
        "aud": STAFF_AUDIENCE,
        "sub": user_id,
        "kind": "user",
        "sid": session_id,
        "cv": 1,
        "iat": now - 3600,
        "exp": now + 600,
        **override,
    }


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_expired_forged_and_foreign_tokens_get_401_and_write_nothing(
    api: Api, client: TestClient, orion: Orion
) -> None:
    user_id, email = make_user(api, platform_admin=True)
    session = login(client, email)
    key = orion.kit.keyring.jwt_key
    good = jwt.encode(claims_for(user_id, session["session_id"]), key, algorithm="HS256")
    assert client.get(f"{AUTH}/me", headers=bearer(good)).status_code == 200  # the recipe works

    store = api.create_store()
    customer = orion.customers.register(
        CommandContext(actor="test"),
        UUID(store["id"]),
        email=new_email("shopper"),
        password=PASSWORD,
    )
    header, payload, signature = session["access_token"].split(".")
    tampered_payload = b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "cv": 2})
    forged = {
        "expired": jwt.encode(
            claims_for(user_id, session["session_id"], iat=1, exp=2), key, algorithm="HS256"
        ),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "bad signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "other key": jwt.encode(
            claims_for(user_id, session["session_id"]), b"k" * 32, algorithm="HS256"
        ),
        "garbage": "not.a.jwt",
        "customer": customer.access_token,
    }
    head = orion.platform.head()
    for token in forged.values():
        headers = bearer(token)
        assert_unauthenticated(client.get(f"{AUTH}/me", headers=headers))
        assert_unauthenticated(client.patch(f"{AUTH}/me", json={"name": "X"}, headers=headers))
        assert_unauthenticated(
            client.post(
                USERS,
                json={"email": new_email(), "name": "Eve", "password": PASSWORD},
                headers=headers,
            )
        )
        assert_unauthenticated(
            client.post(
                f"/api/v1/stores/{store['id']}/team/invitations",
                json={"email": new_email(), "role": "owner"},
                headers=headers,
            )
        )
    assert "expired" in client.get(f"{AUTH}/me", headers=bearer(forged["expired"])).json()["detail"]
    assert orion.platform.head() == head


def test_tokens_expire_by_the_injected_clock(
    clocked: tuple[Orion, TestClient, MovableClock],
) -> None:
    orion, client, clock = clocked
    result = orion.users.create(
        CommandContext(actor="test"), email="clock@example.com", password=PASSWORD, name="Tick"
    )
    session = login(client, "clock@example.com")
    assert client.get(f"{AUTH}/me", headers=bearer(session["access_token"])).status_code == 200
    clock.advance(minutes=16)
    expired = client.get(f"{AUTH}/me", headers=bearer(session["access_token"]))
    assert_unauthenticated(expired)
    assert "expired" in expired.json()["detail"]
    refreshed = client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    me = client.get(f"{AUTH}/me", headers=bearer(refreshed.json()["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == str(result.id)
    clock.advance(days=31)  # past the refresh token's 30 days
    assert_unauthenticated(
        client.post(f"{AUTH}/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
    )


# -- throttling and bad input ----------------------------------------------------------------


@pytest.mark.parametrize("known", [True, False])
def test_logins_are_throttled_per_account(
    api: Api, client: TestClient, orion: Orion, known: bool
) -> None:
    email = make_user(api)[1] if known else new_email("ghost")
    for _ in range(10):
        assert_unauthenticated(
            client.post(f"{AUTH}/login", json={"email": email, "password": "wrong password"})
        )
    head = orion.platform.head()
    # Past the limit even the right password is refused, for known and unknown alike.
    throttled = client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    assert throttled.status_code == 429, throttled.text
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(throttled.headers["Retry-After"]) <= 900
    assert orion.platform.head() == head


def spellings(email: str) -> list[str]:
    """Other ways of writing the address that all reach its account: case, padding, and
    full-width letters in the domain (which IDNA maps to ASCII)."""
    local, domain = email.split("@")
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in domain)
    return [
        email,
        f"{local.upper()}@{domain.upper()}",
        f"{local}@{wide[0]}{domain[1:]}",
        f"  {local}@{wide}  ",
    ]


@pytest.mark.parametrize("known", [True, False])
def test_the_account_throttle_holds_for_every_spelling_of_the_address(
    api: Api, client: TestClient, orion: Orion, known: bool
) -> None:
    email = make_user(api)[1] if known else new_email("ghost")
    forms = spellings(email)
    for n in range(10):  # the account's budget, spent under several spellings
        wrong = {"email": forms[n % len(forms)], "password": "wrong password"}
        assert_unauthenticated(client.post(f"{AUTH}/login", json=wrong))
    head = orion.platform.head()
    for form in forms:
        throttled = client.post(f"{AUTH}/login", json={"email": form, "password": PASSWORD})
        assert throttled.status_code == 429, (form, throttled.text)
    assert orion.platform.head() == head


def test_accepting_an_invitation_with_a_password_counts_against_the_account(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    _, email = make_user(api)
    store = api.create_store()
    invited = client.post(
        f"/api/v1/stores/{store['id']}/team/invitations",
        json={"email": spellings(email)[2], "role": "staff"},
        headers=admin_headers,
    )
    assert invited.status_code == 201, invited.text
    token = orion.teams.invitation_token(UUID(store["id"]), UUID(invited.json()["invitation_id"]))
    for _ in range(10):  # guesses of the existing account's password, through the invitation
        guess = {"token": token, "password": "wrong password"}
        assert_unauthenticated(client.post(f"{AUTH}/invitations/accept", json=guess))
    throttled = client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    assert throttled.status_code == 429, throttled.text
    refused = client.post(f"{AUTH}/invitations/accept", json={"token": token, "password": PASSWORD})
    assert refused.status_code == 429, refused.text


def test_password_checks_of_a_signed_in_user_count_against_the_account(
    api: Api, client: TestClient
) -> None:
    # A stolen access token must not allow unlimited guesses of the password.
    _, email = make_user(api)
    auth = bearer(login(client, email)["access_token"])
    for _ in range(10):
        wrong = {"current_password": "wrong password", "new_password": "a new secret 42"}
        assert client.post(f"{AUTH}/me/password", json=wrong, headers=auth).status_code == 422
    right = {"current_password": PASSWORD, "new_password": "a new secret 42"}
    throttled = client.post(f"{AUTH}/me/password", json=right, headers=auth)
    assert throttled.status_code == 429, throttled.text
    login_throttled = client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    assert login_throttled.status_code == 429, login_throttled.text


@pytest.mark.parametrize("known", [True, False])
def test_reset_requests_are_throttled_per_account_whatever_the_spelling(
    api: Api, client: TestClient, known: bool
) -> None:
    email = make_user(api)[1] if known else new_email("ghost")
    forms = spellings(email)
    answers = [
        client.post(f"{AUTH}/password-reset/request", json={"email": forms[n % len(forms)]})
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [202] * 5 + [429], answers[-1].text
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 3600


def test_bad_input_names_the_field_and_writes_nothing(
    api: Api, client: TestClient, orion: Orion
) -> None:
    _, email = make_user(api)
    session = login(client, email)
    auth = bearer(session["access_token"])
    head = orion.platform.head()
    cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("post", "/login", {"email": "x" * 250 + "@a.io", "password": "p"}, {}, "email"),
        ("post", "/login", {"email": email, "password": "p" * 129}, {}, "password"),
        ("post", "/login", {"email": email, "password": PASSWORD, "admin": True}, {}, "admin"),
        ("post", "/login", {"email": email}, {}, "password"),
        ("patch", "/me", {"name": "n" * 101}, auth, "name"),
        ("patch", "/me", {"name": "bad\x00name"}, auth, "name"),
        ("post", "/password-reset/request", {"email": "not-an-email"}, {}, "email"),
        ("post", "/password-reset/confirm", {"token": "t" * 600, "new_password": "x"}, {}, "token"),
        (
            "post",
            "/me/password",
            {"current_password": PASSWORD, "new_password": "n" * 129},
            auth,
            "new_password",
        ),
    ]
    for method, path, body, headers, field in cases:
        response = client.request(method, AUTH + path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert problem_field(response) == field, (path, response.text)
    # A malformed address at login is bad input, not a failed login.
    malformed = client.post(f"{AUTH}/login", json={"email": "no at sign", "password": PASSWORD})
    assert malformed.status_code == 422 and problem_field(malformed) == "email"
    assert orion.platform.head() == head
