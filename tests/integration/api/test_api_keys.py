"""Store API keys through HTTP: shown once, used with exactly their role's rights in their own
store, 404 elsewhere, 401 once revoked. Both backends."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from interfaces.bootstrap import Orion
from tests.builders import Api, variant
from tests.integration.api.test_staff_auth import (
    AUTH,
    assert_unauthenticated,
    bearer,
    problem_field,
)
from tests.integration.api.test_team import join


def keys(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/api-keys"


def products(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/products"


def product_body() -> dict[str, Any]:
    return {"title": "Made by a key", "description": "", "variants": [variant()]}


def create_key(client: TestClient, headers: dict[str, str], store_id: str, role: str) -> Any:
    response = client.post(
        keys(store_id), json={"name": f"  {role}   sync ", "role": role}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response


def test_a_key_is_shown_once_and_acts_with_its_role(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store()["id"]
    response = create_key(client, admin_headers, sid, "manager")
    assert response.headers["Cache-Control"] == "no-store"
    created = response.json()
    token = created["token"]
    assert token.startswith("ork_") and created["prefix"] == token[:12]
    assert (created["name"], created["role"], created["version"]) == ("manager sync", "manager", 1)

    listed = client.get(
        keys(sid), headers=admin_headers, params={"min_position": created["position"]}
    )
    assert listed.status_code == 200
    assert listed.json()["items"] == [
        {
            **listed.json()["items"][0],
            "id": created["id"],
            "name": "manager sync",
            "role": "manager",
            "prefix": created["prefix"],
            "revoked_at": None,
        }
    ]
    assert token not in listed.text and token[12:] not in listed.text  # never shown again

    key = bearer(token)
    assert client.get(products(sid), headers=key).status_code == 200
    made = client.post(products(sid), json=product_body(), headers=key)
    assert made.status_code == 201, made.text
    # /me says what the key is: no person, one store, one role.
    assert client.get(f"{AUTH}/me", headers=key).json() == {
        "id": created["id"],
        "kind": "api_key",
        "platform_admin": False,
        "memberships": [],
        "store_id": sid,
        "role": "manager",
    }
    # A manager key sees the team but may not manage it (nor make keys).
    assert client.get(keys(sid), headers=key).status_code == 200
    head = orion.platform.head()
    denied = client.post(keys(sid), json={"name": "more", "role": "viewer"}, headers=key)
    assert denied.status_code == 403 and orion.platform.head() == head

    viewer = bearer(create_key(client, admin_headers, sid, "viewer").json()["token"])
    assert client.get(products(sid), headers=viewer).status_code == 200
    head = orion.platform.head()
    assert client.post(products(sid), json=product_body(), headers=viewer).status_code == 403
    assert client.get(keys(sid), headers=viewer).status_code == 403  # viewers don't see the team
    assert orion.platform.head() == head


def test_a_revoked_key_stops_working(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store()["id"]
    created = create_key(client, admin_headers, sid, "staff").json()
    key = bearer(created["token"])
    assert client.get(products(sid), headers=key).status_code == 200

    revoked = client.delete(f"{keys(sid)}/{created['id']}", headers=admin_headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["version"] == 2
    assert_unauthenticated(client.get(products(sid), headers=key))
    assert client.delete(f"{keys(sid)}/{created['id']}", headers=admin_headers).status_code == 409

    position = revoked.json()["position"]
    active = client.get(keys(sid), headers=admin_headers, params={"min_position": position})
    assert active.json()["items"] == []
    every = client.get(
        keys(sid), headers=admin_headers, params={"min_position": position, "include_revoked": True}
    ).json()["items"]
    assert [k["id"] for k in every] == [created["id"]] and every[0]["revoked_at"] is not None

    # A made-up secret for a real key id, and a key of no store at all.
    head = orion.platform.head()
    forged = created["token"][:-4] + "AAAA"
    for token in (forged, f"ork_{uuid4().hex}_secret", "ork_nothing"):
        assert_unauthenticated(client.get(products(sid), headers=bearer(token)))
        assert_unauthenticated(
            client.post(products(sid), json=product_body(), headers=bearer(token))
        )
    assert orion.platform.head() == head


def test_a_key_opens_only_its_own_store(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    a, b = api.create_store()["id"], api.create_store()["id"]
    key_a = bearer(create_key(client, admin_headers, a, "owner").json()["token"])
    key_b = create_key(client, admin_headers, b, "owner").json()
    head = orion.platform.head()
    for method, path, body in (
        ("get", products(b), None),
        ("post", products(b), product_body()),
        ("get", keys(b), None),
        ("post", keys(b), {"name": "x", "role": "viewer"}),
        ("delete", f"{keys(b)}/{key_b['id']}", None),
        ("get", f"/api/v1/stores/{b}/team", None),
        # B's key id through A's routes: no such key in A.
        ("delete", f"{keys(a)}/{key_b['id']}", None),
    ):
        response = client.request(method, path, json=body, headers=key_a)
        assert response.status_code == 404, (method, path, response.text)
    # Nor is it anyone on the platform's side.
    assert client.get("/api/v1/admin/stores", headers=key_a).status_code == 403
    assert orion.platform.head() == head
    assert client.get(products(b), headers=bearer(key_b["token"])).status_code == 200


def test_who_may_make_which_keys(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store()["id"]
    owner = bearer(join(client, orion, admin_headers, sid, "owner")["access_token"])
    admin = bearer(join(client, orion, owner, sid, "admin")["access_token"])
    manager = bearer(join(client, orion, owner, sid, "manager")["access_token"])
    head = orion.platform.head()
    assert (
        client.post(keys(sid), json={"name": "k", "role": "viewer"}, headers=manager).status_code
        == 403
    )
    # Only an owner hands out an owner's rights.
    assert (
        client.post(keys(sid), json={"name": "k", "role": "owner"}, headers=admin).status_code
        == 409
    )
    assert orion.platform.head() == head
    assert (
        client.post(keys(sid), json={"name": "k", "role": "admin"}, headers=admin).status_code
        == 201
    )
    assert (
        client.post(keys(sid), json={"name": "k", "role": "owner"}, headers=owner).status_code
        == 201
    )


def test_bad_keys_name_the_field_and_write_nothing(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store()["id"]
    head = orion.platform.head()
    for body, field in (
        ({"name": "n" * 101, "role": "staff"}, "name"),
        ({"name": "", "role": "staff"}, "name"),
        ({"name": "sync", "role": "root"}, "role"),
        ({"name": "sync"}, "role"),
        ({"name": "sync", "role": "staff", "secret": "mine"}, "secret"),
    ):
        response = client.post(keys(sid), json=body, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert problem_field(response) == field
    assert client.delete(f"{keys(sid)}/not-a-uuid", headers=admin_headers).status_code == 422
    assert client.delete(f"{keys(sid)}/{uuid4()}", headers=admin_headers).status_code == 404
    assert (
        client.post(
            keys(str(uuid4())), json={"name": "k", "role": "staff"}, headers=admin_headers
        ).status_code
        == 404
    )
    assert orion.platform.head() == head
