"""Platform admins manage users through HTTP: create, read, list, grant and take away platform
admin, disable (sign-in and live tokens stop), enable, erase. Both backends."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from domain.identity.values import PASSWORD_RULE
from interfaces.bootstrap import Orion
from tests.builders import Api
from tests.integration.api.test_staff_auth import (
    AUTH,
    PASSWORD,
    USERS,
    assert_unauthenticated,
    bearer,
    login,
    make_user,
    new_email,
    problem_field,
)


def read(
    client: TestClient, headers: dict[str, str], path: str, position: int, **params: Any
) -> Any:
    response = client.get(path, headers=headers, params={"min_position": position, **params})
    assert response.status_code == 200, response.text
    assert response.headers["X-Orion-Consistent"] == "true"
    return response.json()


def test_user_lifecycle(api: Api, client: TestClient, orion: Orion) -> None:
    created = api.post(
        USERS,
        {"email": " Grace@Example.com", "name": "Grace  Hopper", "password": PASSWORD},
        expect=201,
    )
    answer = created.json()
    url = f"{USERS}/{answer['id']}"
    assert created.headers["Location"] == url and answer["version"] == 1
    user = read(client, api.headers, url, answer["position"])
    assert user == {
        **user,
        "id": answer["id"],
        "email": "grace@example.com",
        "name": "Grace Hopper",
        "platform_admin": True,  # the default: admins create admins
        "status": "active",
        "version": 1,
    }

    # The new admin can act as one.
    grace = bearer(login(client, "grace@example.com")["access_token"])
    assert client.get(USERS, headers=grace).status_code == 200
    taken_away = api.patch(url, {"platform_admin": False}, expect=200).json()
    assert taken_away["version"] == 2
    assert client.get(USERS, headers=grace).status_code == 403  # the same token, now a member
    head = orion.platform.head()
    same = api.patch(url, {}, expect=200).json()
    assert same["version"] == 2 and orion.platform.head() == head  # nothing asked, nothing written

    disabled = api.post(f"{url}/disable", {"reason": "left the company"}, expect=200).json()
    assert disabled["version"] == 3
    assert_unauthenticated(client.get(f"{AUTH}/me", headers=grace))
    refused = client.post(
        f"{AUTH}/login", json={"email": "grace@example.com", "password": PASSWORD}
    )
    wrong = client.post(f"{AUTH}/login", json={"email": "grace@example.com", "password": "x" * 12})
    assert_unauthenticated(refused)
    assert refused.json() == wrong.json()  # a disabled account is not revealed either
    assert read(client, api.headers, url, disabled["position"])["status"] == "disabled"
    assert api.post(f"{url}/disable", {"reason": "again"}).status_code == 409

    enabled = api.post(f"{url}/enable", expect=200).json()
    assert read(client, api.headers, url, enabled["position"])["status"] == "active"
    login(client, "grace@example.com")

    erased = api.client.delete(url, headers=api.headers)
    assert erased.status_code == 200, erased.text
    gone = read(client, api.headers, url, erased.json()["position"])
    assert (gone["status"], gone["email"], gone["name"]) == ("erased", None, None)
    assert_unauthenticated(
        client.post(f"{AUTH}/login", json={"email": "grace@example.com", "password": PASSWORD})
    )
    # The address is free again.
    api.post(
        USERS, {"email": "grace@example.com", "name": "Grace II", "password": PASSWORD}, expect=201
    )


def test_listing_users(api: Api, client: TestClient) -> None:
    ids = [make_user(api, new_email("lister"), name=f"Lister {i}")[0] for i in range(3)]
    other, _ = make_user(api, new_email("zed"), name="Zed Zimmer")
    disabled = api.post(f"{USERS}/{ids[0]}/disable", {"reason": "test"}, expect=200).json()
    everyone = read(client, api.headers, USERS, disabled["position"])["items"]
    assert {u["id"] for u in everyone} == {*ids, other}

    pages, cursor = [], None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(USERS, **params).json()
        pages += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [u["id"] for u in pages] == [u["id"] for u in everyone]

    assert {u["id"] for u in api.get(USERS, q="lister").json()["items"]} == set(ids)
    assert [u["id"] for u in api.get(USERS, q="zimmer").json()["items"]] == [other]
    assert [u["id"] for u in api.get(USERS, status="disabled").json()["items"]] == [ids[0]]
    for params, field in (
        ({"status": "gone"}, "status"),
        ({"limit": 0}, "limit"),
        ({"q": "x" * 300}, "q"),
    ):
        response = client.get(USERS, headers=api.headers, params=params)
        assert response.status_code == 422 and problem_field(response) == field


def test_only_platform_admins_manage_users(api: Api, client: TestClient, orion: Orion) -> None:
    member_id, email = make_user(api)
    member = bearer(login(client, email)["access_token"])
    head = orion.platform.head()
    body = {"email": new_email(), "name": "Eve", "password": PASSWORD}
    assert_unauthenticated(client.post(USERS, json=body))
    assert_unauthenticated(client.get(USERS))
    for method, path, payload in (
        ("post", USERS, body),
        ("get", USERS, None),
        ("get", f"{USERS}/{member_id}", None),
        ("patch", f"{USERS}/{member_id}", {"platform_admin": True}),
        ("post", f"{USERS}/{member_id}/disable", {"reason": "x"}),
        ("delete", f"{USERS}/{member_id}", None),
    ):
        response = client.request(method, path, json=payload, headers=member)
        assert response.status_code == 403, (method, path, response.text)
    assert orion.platform.head() == head


def test_bad_users_name_the_field_and_write_nothing(
    api: Api, client: TestClient, orion: Orion
) -> None:
    _, taken = make_user(api)
    head = orion.platform.head()
    good = {"email": new_email(), "name": "Ann", "password": PASSWORD}
    for change, field in (
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "x" * 250 + "@ex.io"}, "email"),
        ({"email": "bad\x00@example.com"}, "email"),
        ({"name": "n" * 101}, "name"),
        ({"name": ""}, "name"),
        ({"password": "p" * 129}, "password"),
        ({"password": "password"}, "password"),
        ({"platform_admin": "yes"}, "platform_admin"),
        ({"role": "god"}, "role"),
    ):
        response = client.post(USERS, json={**good, **change}, headers=api.headers)
        assert response.status_code == 422, (change, response.text)
        assert problem_field(response) == field, change
    weak = client.post(USERS, json={**good, "password": "aaaaaaaaaaaaaa"}, headers=api.headers)
    assert weak.json()["errors"][0]["message"] == PASSWORD_RULE
    duplicate = client.post(USERS, json={**good, "email": taken.upper()}, headers=api.headers)
    assert duplicate.status_code == 409 and duplicate.json()["type"].endswith("/email_taken")
    unknown = f"{USERS}/{uuid4()}"
    assert client.get(unknown, headers=api.headers).status_code == 404
    assert (
        client.post(f"{unknown}/disable", json={"reason": "x"}, headers=api.headers).status_code
        == 404
    )
    assert (
        client.patch(unknown, json={"platform_admin": True}, headers=api.headers).status_code == 404
    )
    assert client.delete(unknown, headers=api.headers).status_code == 404
    assert (
        client.post(
            f"{USERS}/{uuid4()}/disable", json={"reason": ""}, headers=api.headers
        ).status_code
        == 422
    )
    assert orion.platform.head() == head
