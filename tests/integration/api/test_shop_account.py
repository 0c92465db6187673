"""The storefront account through HTTP: sign-up, sign-in, sessions, profile, addresses, password
changes and resets, export; accounts are per store; bad input is refused and writes nothing."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from domain.identity.aggregates import Customer
from domain.identity.values import PASSWORD_RULE
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion
from tests.builders import Api
from tests.integration.api.test_staff_auth import HeldJobs, run_queued_jobs, spellings

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another fine passphrase"
# A valid Luxembourg VAT number (its check digits hold) and an invalid one.
VAT_OK = "LU15027442"
VAT_BAD = "LU15027443"


# -- helpers shared by the customer tests --------------------------------------------------


def account(code: str) -> str:
    return f"/api/v1/shop/{code}/account"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def random_email(name: str = "ada") -> str:
    return f"{name}.{secrets.token_hex(4)}@example.org"


def register(
    client: TestClient,
    code: str,
    email: str,
    password: str = PASSWORD,
    expect: int = 201,
    **fields: Any,
) -> Any:
    response = client.post(
        f"{account(code)}/register", json={"email": email, "password": password, **fields}
    )
    assert response.status_code == expect, response.text
    return response.json()


def login(client: TestClient, code: str, email: str, password: str = PASSWORD) -> Any:
    return client.post(f"{account(code)}/login", json={"email": email, "password": password})


def address(**fields: Any) -> dict[str, Any]:
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "12 Rue des Tilleuls",
        "city": "Luxembourg",
        "postal_code": "L-1234",
        "country": "LU",
    }
    body.update(fields)
    return body


def field_error(response: Any, status: int = 422) -> tuple[str, str]:
    """The first (field, message) of a problem+json answer."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    return error["field"], error["message"]


def pending_reset_token(orion: Orion, customer_id: str) -> str:
    customer = orion.platform.find(Customer, UUID(customer_id))
    assert customer is not None and customer.pending_reset is not None
    return orion.customers.reset_token(customer.id, customer.pending_reset["reset_id"])


@pytest.fixture
def store(api: Api) -> dict[str, Any]:
    return api.create_store()


# -- signing up, in and out ----------------------------------------------------------------


def test_register_profile_login_refresh_logout(client: TestClient, store: dict[str, Any]) -> None:
    code, email = store["code"], random_email()
    made = register(
        client,
        code,
        f"  {email.upper()} ",
        first_name=" Ada ",
        last_name="Lovelace",
        phone="+352 621 000 111",
        language="fr",
        marketing_consent=True,
    )
    assert set(made) >= {"account_id", "session_id", "access_token", "refresh_token"}
    assert made["token_type"] == "Bearer" and made["expires_in"] > 0
    me = client.get(f"{account(code)}/me", headers=bearer(made["access_token"]))
    assert me.status_code == 200, me.text
    assert me.headers["Cache-Control"] == "private, no-store"
    assert me.json() == {
        **me.json(),
        "id": made["account_id"],
        "store_id": store["id"],
        "email": email,  # normalised: trimmed, lower-cased
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+352 621 000 111",
        "language": "fr",
        "marketing_consent": True,
        "status": "active",
        "addresses": [],
    }

    edited = client.patch(
        f"{account(code)}/me",
        json={"first_name": "Augusta", "phone": None, "marketing_consent": False},
        headers={**bearer(made["access_token"]), "If-Match": f'"{me.json()["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["id"] == made["account_id"] and edited.json()["position"] > 0
    stale = client.patch(
        f"{account(code)}/me",
        json={"last_name": "King"},
        headers={**bearer(made["access_token"]), "If-Match": f'"{me.json()["version"]}"'},
    )
    assert stale.status_code == 412, stale.text
    me = client.get(f"{account(code)}/me", headers=bearer(made["access_token"]))
    assert me.json()["first_name"] == "Augusta" and me.json()["last_name"] == "Lovelace"
    assert me.json()["phone"] is None and me.json()["marketing_consent"] is False

    # Unknown e-mail and wrong password: one answer, saying nothing of which it was.
    unknown = login(client, code, random_email())
    wrong = login(client, code, email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()

    signed = login(client, code, email.upper())
    assert signed.status_code == 200, signed.text
    session = signed.json()
    assert session["account_id"] == made["account_id"]

    refreshed = client.post(
        f"{account(code)}/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()
    assert fresh["refresh_token"] != session["refresh_token"]
    assert client.get(f"{account(code)}/me", headers=bearer(fresh["access_token"])).is_success
    # The rotated-out token coming back means it was copied: the whole session ends.
    reused = client.post(
        f"{account(code)}/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert reused.status_code == 401
    ended = client.post(f"{account(code)}/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert ended.status_code == 401

    # Logout ends the first session (from registration): its refresh token is dead after.
    out = client.post(f"{account(code)}/logout", headers=bearer(made["access_token"]))
    assert out.status_code == 204, out.text
    after = client.post(f"{account(code)}/refresh", json={"refresh_token": made["refresh_token"]})
    assert after.status_code == 401
    # Logging out with only a refresh token (access token expired) works too.
    third = login(client, code, email).json()
    out = client.post(f"{account(code)}/logout", json={"refresh_token": third["refresh_token"]})
    assert out.status_code == 204, out.text
    assert (
        client.post(
            f"{account(code)}/refresh", json={"refresh_token": third["refresh_token"]}
        ).status_code
        == 401
    )
    assert client.post(f"{account(code)}/logout").status_code == 401


def test_same_email_at_two_stores_is_two_independent_accounts(client: TestClient, api: Api) -> None:
    one, two = api.create_store(), api.create_store()
    email = random_email()
    first = register(client, one["code"], email, PASSWORD)
    second = register(client, two["code"], email, OTHER_PASSWORD)
    assert first["account_id"] != second["account_id"]

    assert login(client, one["code"], email, PASSWORD).status_code == 200
    assert login(client, two["code"], email, OTHER_PASSWORD).status_code == 200
    assert login(client, one["code"], email, OTHER_PASSWORD).status_code == 401
    assert login(client, two["code"], email, PASSWORD).status_code == 401

    # A token is only good at its own shop: elsewhere the caller is simply not signed in.
    me_one = client.get(f"{account(one['code'])}/me", headers=bearer(first["access_token"]))
    assert me_one.json()["id"] == first["account_id"]
    crossed = client.get(f"{account(two['code'])}/me", headers=bearer(first["access_token"]))
    assert crossed.status_code == 401
    refresh = client.post(
        f"{account(two['code'])}/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert refresh.status_code == 401


def test_shop_account_needs_an_open_shop_and_its_own_customer(
    client: TestClient, api: Api, admin_headers: dict[str, str], orion: Orion
) -> None:
    store = api.create_store()
    assert (
        client.post(
            f"{account('nosuchshop')}/register",
            json={"email": random_email(), "password": PASSWORD},
        ).json()["status"]
        == 404
    )
    me = f"{account(store['code'])}/me"
    assert client.get(me).status_code == 401
    # Staff credentials are no customer's: 401 at the shop.
    assert client.get(me, headers=admin_headers).status_code == 401
    key = orion.teams.create_api_key(
        CommandContext(actor="test"), UUID(store["id"]), name="k", role="owner", by_role=None
    )
    assert client.get(me, headers=bearer(key.token)).status_code == 401
    assert client.get(me, headers=bearer("not-a-token")).status_code == 401

    email = random_email()
    made = register(client, store["code"], email)
    api.post(f"/api/v1/admin/stores/{store['id']}/suspend", {"reason": "unpaid"}, expect=200)
    # A suspended store's shop is closed: it answers as if it did not exist.
    assert client.get(me, headers=bearer(made["access_token"])).status_code == 404
    assert login(client, store["code"], email).status_code == 404


def test_cookie_sessions_need_the_csrf_header(orion: Orion, api: Api) -> None:
    store = api.create_store()
    code = store["code"]
    with TestClient(
        create_app(orion, run_projections=False),
        base_url="https://testserver",
        raise_server_exceptions=False,
    ) as browser:
        made = browser.post(
            f"{account(code)}/register",
            json={"email": random_email(), "password": PASSWORD, "use_cookies": True},
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert "access_token" not in body and "refresh_token" not in body
        csrf = body["csrf_token"]
        cookies = made.headers.get_list("set-cookie")
        refresh_cookie = next(c for c in cookies if c.startswith("orion_refresh="))
        assert f"Path={account(code)}" in refresh_cookie and "HttpOnly" in refresh_cookie
        assert browser.get(f"{account(code)}/me").status_code == 200

        forged = browser.patch(f"{account(code)}/me", json={"first_name": "Eve"})
        assert forged.status_code == 403
        ok = browser.patch(
            f"{account(code)}/me", json={"first_name": "Ada"}, headers={"X-CSRF-Token": csrf}
        )
        assert ok.status_code == 200, ok.text

        renewed = browser.post(f"{account(code)}/refresh", headers={"X-CSRF-Token": csrf})
        assert renewed.status_code == 200, renewed.text
        assert "access_token" not in renewed.json()
        csrf = renewed.json()["csrf_token"]
        out = browser.post(f"{account(code)}/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204, out.text
        assert browser.get(f"{account(code)}/me").status_code == 401


@pytest.mark.parametrize("known", [True, False])
def test_the_login_throttle_holds_for_every_spelling_of_the_address(
    client: TestClient, orion: Orion, store: dict[str, Any], known: bool
) -> None:
    code, email = store["code"], random_email()
    if known:
        register(client, code, email)
    forms = spellings(email)
    for n in range(10):  # the account's budget, spent under several spellings
        wrong = login(client, code, forms[n % len(forms)], "wrong password")
        assert wrong.status_code == 401, wrong.text
    head = orion.platform.head()
    for form in forms:
        throttled = login(client, code, form)
        assert throttled.status_code == 429, (form, throttled.text)
        assert throttled.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(throttled.headers["Retry-After"]) <= 900
    assert orion.platform.head() == head


def test_password_checks_of_a_signed_in_customer_count_against_the_account(
    client: TestClient, store: dict[str, Any]
) -> None:
    # A stolen access token must not allow unlimited guesses of the password.
    code, email = store["code"], random_email()
    made = register(client, code, email)
    me = bearer(made["access_token"])
    for n in range(10):
        if n % 2:
            guess = client.post(
                f"{account(code)}/me/password",
                json={"current_password": "wrong password", "new_password": OTHER_PASSWORD},
                headers=me,
            )
        else:
            guess = client.request(
                "DELETE", f"{account(code)}/me", json={"password": "wrong password"}, headers=me
            )
        assert guess.status_code == 422, guess.text
    erase = client.request("DELETE", f"{account(code)}/me", json={"password": PASSWORD}, headers=me)
    assert erase.status_code == 429, erase.text
    assert login(client, code, email).status_code == 429


# -- passwords ---------------------------------------------------------------------------------


def test_change_password_ends_other_sessions(
    client: TestClient, orion: Orion, store: dict[str, Any]
) -> None:
    code, email = store["code"], random_email()
    made = register(client, code, email)
    other = login(client, code, email).json()
    url = f"{account(code)}/me/password"
    head = orion.platform.head()
    wrong = client.post(
        url,
        json={"current_password": "nope nope nope", "new_password": OTHER_PASSWORD},
        headers=bearer(made["access_token"]),
    )
    assert field_error(wrong)[0] == "current_password"
    weak = client.post(
        url,
        json={"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"},
        headers=bearer(made["access_token"]),
    )
    assert field_error(weak) == ("new_password", PASSWORD_RULE)
    assert orion.platform.head() == head

    changed = client.post(
        url,
        json={"current_password": PASSWORD, "new_password": OTHER_PASSWORD},
        headers=bearer(made["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    me = f"{account(code)}/me"
    assert client.get(me, headers=bearer(changed.json()["access_token"])).status_code == 200
    assert client.get(me, headers=bearer(made["access_token"])).status_code == 401
    assert client.get(me, headers=bearer(other["access_token"])).status_code == 401
    stale = client.post(f"{account(code)}/refresh", json={"refresh_token": other["refresh_token"]})
    assert stale.status_code == 401
    assert login(client, code, email).status_code == 401
    assert login(client, code, email, OTHER_PASSWORD).status_code == 200


def test_password_reset_flow(client: TestClient, orion: Orion, api: Api) -> None:
    store, elsewhere = api.create_store(), api.create_store()
    code, email = store["code"], random_email()
    made = register(client, code, email)
    request = f"{account(code)}/password-reset/request"
    unknown = client.post(request, json={"email": random_email()})
    known = client.post(request, json={"email": email})
    # The same answer whether or not the address has an account.
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert unknown.headers["content-type"] == known.headers["content-type"]

    run_queued_jobs(orion)
    token = pending_reset_token(orion, made["account_id"])
    confirm = f"{account(code)}/password-reset/confirm"
    head = orion.platform.head()
    weak = client.post(confirm, json={"token": token, "new_password": "short"})
    assert field_error(weak) == ("new_password", PASSWORD_RULE)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (
        field_error(client.post(confirm, json={"token": tampered, "new_password": OTHER_PASSWORD}))[
            0
        ]
        == "token"
    )
    # Good at its own shop only.
    crossed = client.post(
        f"{account(elsewhere['code'])}/password-reset/confirm",
        json={"token": token, "new_password": OTHER_PASSWORD},
    )
    assert field_error(crossed)[0] == "token"
    assert orion.platform.head() == head

    done = client.post(confirm, json={"token": token, "new_password": OTHER_PASSWORD})
    assert done.status_code == 204, done.text
    # Every session ended: the old access and refresh tokens are dead.
    assert (
        client.get(f"{account(code)}/me", headers=bearer(made["access_token"])).status_code == 401
    )
    old = client.post(f"{account(code)}/refresh", json={"refresh_token": made["refresh_token"]})
    assert old.status_code == 401
    assert login(client, code, email).status_code == 401
    assert login(client, code, email, OTHER_PASSWORD).status_code == 200
    # Single use.
    again = client.post(confirm, json={"token": token, "new_password": "yet another passphrase"})
    assert field_error(again)[0] == "token"


def test_a_reset_request_answers_alike_and_before_anything_is_written(
    client: TestClient, orion: Orion, store: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for staff: a known address does the same work as an unknown one up to the answer
    (one queued job, nothing written); the job writes the reset afterwards."""
    code, email = store["code"], random_email()
    made = register(client, code, email)
    jobs = HeldJobs(orion.job_table)
    monkeypatch.setattr(orion, "jobs", jobs)
    head = orion.platform.head()
    request = f"{account(code)}/password-reset/request"
    known = client.post(request, json={"email": spellings(email)[2]})
    unknown = client.post(request, json={"email": random_email()})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert orion.platform.head() == head  # nothing written on the way to either answer
    (known_func, known_args), (unknown_func, unknown_args) = jobs.held
    assert known_func == unknown_func
    kind, ref, actor, _, store_id = known_args
    assert (kind, actor, store_id) == (unknown_args[0], unknown_args[2], unknown_args[4])
    assert store_id == store["id"] and ref != unknown_args[1]

    jobs.run()
    assert pending_reset_token(orion, made["account_id"])
    assert orion.platform.head() > head


def test_reset_requests_are_throttled_per_address_whatever_the_spelling(
    client: TestClient, store: dict[str, Any]
) -> None:
    code, email = store["code"], random_email()
    register(client, code, email)
    forms = spellings(email)
    answers = [
        client.post(
            f"{account(code)}/password-reset/request", json={"email": forms[n % len(forms)]}
        )
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [202] * 5 + [429], answers[-1].text


# -- bad input: refused, naming the field, nothing written ------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "aaaaaaaaaaaaaaa"}, "password", PASSWORD_RULE),
        ({"password": "abcdefghi"}, "password", PASSWORD_RULE),
        ({"password": "x" * 129}, "password", None),
        ({"email": "not-an-email"}, "email", None),
        ({"email": "a" * 250 + "@example.org"}, "email", None),
        ({"first_name": "A" * 101}, "first_name", None),
        ({"last_name": "L" * 101}, "last_name", None),
        ({"phone": "1" * 33}, "phone", None),
        ({"phone": "call me maybe"}, "phone", None),
        ({"language": "klingon-xx"}, "language", None),
        ({"nickname": "ada"}, "nickname", None),
        ({"marketing_consent": "yes"}, "marketing_consent", None),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(
    client: TestClient,
    orion: Orion,
    store: dict[str, Any],
    fields: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    head = orion.platform.head()
    body = {"email": random_email(), "password": PASSWORD, **fields}
    response = client.post(f"{account(store['code'])}/register", json=body)
    got_field, got_message = field_error(response)
    assert got_field == field
    if message is not None:
        assert got_message == message
    assert orion.platform.head() == head


# -- addresses ----------------------------------------------------------------------------------


def test_addresses(client: TestClient, orion: Orion, store: dict[str, Any]) -> None:
    code = store["code"]
    made = register(client, code, random_email())
    me = bearer(made["access_token"])
    url = f"{account(code)}/me/addresses"

    home = client.post(url, json=address(), headers=me)
    assert home.status_code == 201, home.text
    home_id = home.json()["address_id"]
    assert home.headers["Location"] == f"{url}/{home_id}"
    office = client.post(
        url,
        json=address(company="Analytical Engines SA", vat_number=VAT_OK, default_billing=True),
        headers=me,
    )
    assert office.status_code == 201, office.text
    office_id = office.json()["address_id"]
    # A retried request (same Idempotency-Key, same body) answers as the first, adds nothing.
    keyed = {**me, "Idempotency-Key": "add-shop-address"}
    shop = address(line1="1 Grand-Rue")
    first = client.post(url, json=shop, headers=keyed)
    retried = client.post(url, json=shop, headers=keyed)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["address_id"] == first.json()["address_id"]
    assert client.delete(f"{url}/{first.json()['address_id']}", headers=me).is_success
    listed = {a["id"]: a for a in client.get(url, headers=me).json()}
    assert set(listed) == {home_id, office_id}
    # The first address is the default for both; the second took over billing.
    assert listed[home_id]["default_shipping"] and not listed[home_id]["default_billing"]
    assert listed[office_id]["default_billing"] and listed[office_id]["vat_number"] == VAT_OK

    changed = client.patch(
        f"{url}/{home_id}", json={"city": "Esch-sur-Alzette", "default_billing": True}, headers=me
    )
    assert changed.status_code == 200, changed.text
    listed = {a["id"]: a for a in client.get(url, headers=me).json()}
    assert listed[home_id]["city"] == "Esch-sur-Alzette" and listed[home_id]["default_billing"]
    assert listed[home_id]["line1"] == "12 Rue des Tilleuls"

    head = orion.platform.head()
    bad_vat = client.post(url, json=address(company="X", vat_number=VAT_BAD), headers=me)
    assert field_error(bad_vat)[0] == "vat_number"
    bad_change = client.patch(f"{url}/{office_id}", json={"vat_number": VAT_BAD}, headers=me)
    assert field_error(bad_change)[0] == "vat_number"
    assert field_error(client.post(url, json=address(line1="x" * 201), headers=me))[0] == "line1"
    assert field_error(client.post(url, json=address(country="XX"), headers=me))[0] == "country"
    missing = address()
    del missing["city"]
    assert field_error(client.post(url, json=missing, headers=me))[0] == "city"
    assert field_error(client.post(url, json=address(floor=3), headers=me))[0] == "floor"
    assert orion.platform.head() == head

    assert client.delete(f"{url}/{home_id}", headers=me).status_code == 200
    assert [a["id"] for a in client.get(url, headers=me).json()] == [office_id]
    gone = client.patch(f"{url}/{home_id}", json={"city": "Nowhere"}, headers=me)
    assert gone.status_code == 404
    # Another customer's address is not found for this one.
    other = bearer(register(client, code, random_email())["access_token"])
    assert client.delete(f"{url}/{office_id}", headers=other).status_code == 404
    assert client.get(f"{account(code)}/me", headers=me).json()["addresses"][0]["id"] == office_id


# -- the person's rights -------------------------------------------------------------------------


def test_export_me(client: TestClient, store: dict[str, Any]) -> None:
    code, email = store["code"], random_email()
    made = register(client, code, email, first_name="Ada")
    me = bearer(made["access_token"])
    client.post(f"{account(code)}/me/addresses", json=address(), headers=me)
    exported = client.get(f"{account(code)}/me/export", headers=me)
    assert exported.status_code == 200, exported.text
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    data = exported.json()
    assert data["customer"]["email"] == email and data["erased"] is False
    assert data["customer"]["addresses"][0]["line1"] == "12 Rue des Tilleuls"
    assert data["history"][0]["type"] == "Registered"


def test_delete_me_needs_the_password(
    client: TestClient, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    made = register(client, code, random_email())
    head = orion.platform.head()
    wrong = client.request(
        "DELETE",
        f"{account(code)}/me",
        json={"password": "not my password"},
        headers=bearer(made["access_token"]),
    )
    assert field_error(wrong)[0] == "password"
    missing = client.request(
        "DELETE", f"{account(code)}/me", json={}, headers=bearer(made["access_token"])
    )
    assert field_error(missing)[0] == "password"
    assert orion.platform.head() == head
    assert client.get(f"{account(code)}/me", headers=bearer(made["access_token"])).is_success
