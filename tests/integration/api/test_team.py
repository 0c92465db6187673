"""Store teams through HTTP: invitations (accept, reuse, revoke, expiry, forgery), roles and
what they allow, the last-owner rule, and people in several stores. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from domain.identity.values import PASSWORD_RULE
from interfaces.bootstrap import Orion
from interfaces.settings import Settings
from tests.builders import Api, random_code, variant
from tests.integration.api.test_staff_auth import (
    AUTH,
    PASSWORD,
    MovableClock,
    assert_unauthenticated,
    bearer,
    clocked_orion,
    login,
    new_email,
    problem_field,
)


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, TestClient, MovableClock]]:
    yield from clocked_orion(settings)


def team(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/team"


def invite(
    client: TestClient, headers: dict[str, str], store_id: str, email: str, role: str
) -> Any:
    response = client.post(
        f"{team(store_id)}/invitations", json={"email": email, "role": role}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def token_of(orion: Orion, store_id: str, invited: dict[str, Any]) -> str:
    """The link's token, as the invitation mail carries it."""
    return orion.teams.invitation_token(UUID(store_id), UUID(invited["invitation_id"]))


def accept(client: TestClient, token: str, password: str = PASSWORD, name: str = "") -> Any:
    body = {"token": token, "password": password, "name": name}
    return client.post(f"{AUTH}/invitations/accept", json=body)


def join(
    client: TestClient,
    orion: Orion,
    headers: dict[str, str],
    store_id: str,
    role: str,
    email: str | None = None,
) -> dict[str, Any]:
    """Invites a person and lets them accept: their session (with ``email``)."""
    email = email or new_email(role)
    invited = invite(client, headers, store_id, email, role)
    response = accept(client, token_of(orion, store_id, invited), name=f"The {role}")
    assert response.status_code == 200, response.text
    return {**response.json(), "email": email, "position": response.headers["X-Orion-Position"]}


def product_body() -> dict[str, Any]:
    return {"title": "A product", "description": "", "variants": [variant()]}


def test_invited_people_act_by_their_role(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    store = api.create_store()
    sid = store["id"]
    invited = invite(client, admin_headers, sid, "Owner@Example.com", "owner")
    assert invited["invitation_id"] != invited["id"]
    pending = client.get(
        f"{team(sid)}/invitations",
        headers=admin_headers,
        params={"min_position": invited["position"]},
    ).json()["items"]
    assert [(i["id"], i["email"], i["role"], i["status"]) for i in pending] == [
        (invited["invitation_id"], "owner@example.com", "owner", "pending")
    ]

    token = token_of(orion, sid, invited)
    head = orion.platform.head()
    weak = accept(client, token, password="password")
    assert weak.status_code == 422 and problem_field(weak) == "password"
    assert weak.json()["errors"][0]["message"] == PASSWORD_RULE
    assert orion.platform.head() == head

    accepted = accept(client, token, name="Olive Owner")
    assert accepted.status_code == 200, accepted.text
    owner = bearer(accepted.json()["access_token"])
    position = accepted.headers["X-Orion-Position"]
    members = client.get(team(sid), headers=owner, params={"min_position": position})
    assert members.status_code == 200, members.text
    assert [(m["email"], m["name"], m["role"]) for m in members.json()["items"]] == [
        ("owner@example.com", "Olive Owner", "owner")
    ]
    me = client.get(f"{AUTH}/me", headers=owner, params={"min_position": position}).json()
    assert me["memberships"] == [
        {"store_id": sid, "role": "owner", "store_code": store["code"], "store_name": "Test store"}
    ]
    # The token is single-use.
    reused = accept(client, token)
    assert reused.status_code == 422 and problem_field(reused) == "token"

    viewer = bearer(join(client, orion, owner, sid, "viewer")["access_token"])
    manager = bearer(join(client, orion, owner, sid, "manager")["access_token"])
    products = f"/api/v1/stores/{sid}/products"
    assert client.get(products, headers=viewer).status_code == 200
    denied = client.post(products, json=product_body(), headers=viewer)
    assert denied.status_code == 403 and denied.json()["permission"] == "products:write"
    assert client.post(products, json=product_body(), headers=manager).status_code == 201
    # Team management is for owners and admins; managers only see the team.
    assert client.get(team(sid), headers=manager).status_code == 200
    assert client.get(team(sid), headers=viewer).status_code == 403
    head = orion.platform.head()
    refused = client.post(
        f"{team(sid)}/invitations", json={"email": new_email(), "role": "staff"}, headers=manager
    )
    assert refused.status_code == 403 and orion.platform.head() == head


def test_revoked_expired_and_forged_invitations_are_refused(
    clocked: tuple[Orion, TestClient, MovableClock], admin_headers: dict[str, str]
) -> None:
    orion, client, clock = clocked
    api = Api(client, admin_headers)
    sid = api.create_store()["id"]

    revoked = invite(client, admin_headers, sid, new_email(), "staff")
    gone = client.delete(
        f"{team(sid)}/invitations/{revoked['invitation_id']}", headers=admin_headers
    )
    assert gone.status_code == 200, gone.text
    again = client.delete(
        f"{team(sid)}/invitations/{revoked['invitation_id']}", headers=admin_headers
    )
    assert again.status_code == 409
    refused = accept(client, token_of(orion, sid, revoked))
    assert refused.status_code == 422 and problem_field(refused) == "token"

    # A second invitation to the same address supersedes the first.
    email = new_email()
    first = invite(client, admin_headers, sid, email, "staff")
    second = invite(client, admin_headers, sid, email, "viewer")
    superseded = accept(client, token_of(orion, sid, first))
    assert superseded.status_code == 422 and problem_field(superseded) == "token"

    token = token_of(orion, sid, second)
    store_hex, invitation_hex, mac = token.split(".")
    head = orion.platform.head()
    for forged in (
        f"{store_hex}.{invitation_hex}.{mac[:-2]}xx",
        f"{store_hex}.{uuid4().hex}.{mac}",
        f"{uuid4().hex}.{invitation_hex}.{mac}",
        "not-a-token",
    ):
        response = accept(client, forged)
        assert response.status_code == 422 and problem_field(response) == "token", forged

    clock.advance(days=7, seconds=1)
    expired = accept(client, token)
    assert expired.status_code == 422 and problem_field(expired) == "token"
    assert "expired" in expired.json()["detail"]
    assert orion.platform.head() == head

    listed = client.get(
        f"{team(sid)}/invitations", headers=admin_headers, params={"min_position": head}
    )
    statuses = {i["id"]: (i["status"], i["email"]) for i in listed.json()["items"]}
    assert statuses[revoked["invitation_id"]] == ("revoked", None)  # the address is shredded
    assert statuses[first["invitation_id"]][0] == "revoked"
    assert statuses[second["invitation_id"]] == ("pending", email)
    only_pending = client.get(
        f"{team(sid)}/invitations", headers=admin_headers, params={"status": "pending"}
    ).json()["items"]
    assert [i["id"] for i in only_pending] == [second["invitation_id"]]


def test_roles_change_and_the_last_owner_stays(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store()["id"]
    first = join(client, orion, admin_headers, sid, "owner")
    owner = bearer(first["access_token"])
    admin_member = join(client, orion, owner, sid, "admin")
    admin = bearer(admin_member["access_token"])
    staff = join(client, orion, admin, sid, "staff")
    members = f"{team(sid)}/members"
    head = orion.platform.head()

    # Nobody removes or demotes the last owner, not even a platform admin.
    for headers in (owner, admin_headers):
        last = client.delete(f"{members}/{first['account_id']}", headers=headers)
        assert last.status_code == 409 and last.json()["type"].endswith("/last_owner")
        demote = client.patch(
            f"{members}/{first['account_id']}", json={"role": "admin"}, headers=headers
        )
        assert demote.status_code == 409 and demote.json()["type"].endswith("/last_owner")
    # Only owners make or touch owners.
    assert (
        client.patch(
            f"{members}/{staff['account_id']}", json={"role": "owner"}, headers=admin
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"{team(sid)}/invitations", json={"email": new_email(), "role": "owner"}, headers=admin
        ).status_code
        == 409
    )
    assert (
        client.patch(
            f"{members}/{first['account_id']}", json={"role": "viewer"}, headers=admin
        ).status_code
        == 409
    )
    assert orion.platform.head() == head

    promoted = client.patch(
        f"{members}/{staff['account_id']}", json={"role": "manager"}, headers=admin
    )
    assert promoted.status_code == 200, promoted.text
    version = promoted.json()["version"]
    stale = client.patch(
        f"{members}/{staff['account_id']}",
        json={"role": "viewer"},
        headers={**admin, "If-Match": f'"{version - 1}"'},
    )
    assert stale.status_code == 412
    # A second owner: now the first may step down.
    made_owner = client.patch(
        f"{members}/{admin_member['account_id']}",
        json={"role": "owner"},
        headers={**owner, "If-Match": f'"{version}"'},
    )
    assert made_owner.status_code == 200, made_owner.text
    stepped_down = client.patch(
        f"{members}/{first['account_id']}", json={"role": "admin"}, headers=admin
    )
    assert stepped_down.status_code == 200, stepped_down.text
    removed = client.delete(f"{members}/{staff['account_id']}", headers=admin)
    assert removed.status_code == 200, removed.text

    listed = client.get(
        team(sid), headers=admin, params={"min_position": removed.json()["position"]}
    )
    roles = {m["email"]: m["role"] for m in listed.json()["items"]}
    assert roles == {first["email"]: "admin", admin_member["email"]: "owner"}
    # The removed person's token no longer opens the store (404: it is not theirs).
    gone = client.get(f"/api/v1/stores/{sid}/products", headers=bearer(staff["access_token"]))
    assert gone.status_code == 404
    assert client.delete(f"{members}/{staff['account_id']}", headers=admin).status_code == 404


def test_one_person_in_two_stores_has_a_role_in_each(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    a, b = api.create_store(), api.create_store()
    person = join(client, orion, admin_headers, a["id"], "manager")
    invited = invite(client, admin_headers, b["id"], person["email"], "viewer")
    token = token_of(orion, b["id"], invited)
    # An existing account proves itself with its own password.
    assert_unauthenticated(accept(client, token, password="not my password 1"))
    joined = accept(client, token)
    assert joined.status_code == 200, joined.text
    assert joined.json()["account_id"] == person["account_id"]
    headers = bearer(joined.json()["access_token"])

    me = client.get(
        f"{AUTH}/me", headers=headers, params={"min_position": joined.headers["X-Orion-Position"]}
    )
    roles = {m["store_code"]: m["role"] for m in me.json()["memberships"]}
    assert roles == {a["code"]: "manager", b["code"]: "viewer"}
    assert (
        client.post(
            f"/api/v1/stores/{a['id']}/products", json=product_body(), headers=headers
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/stores/{b['id']}/products", json=product_body(), headers=headers
        ).status_code
        == 403
    )
    # Already a member: a new invitation is refused.
    again = client.post(
        f"{team(b['id'])}/invitations",
        json={"email": person["email"], "role": "staff"},
        headers=admin_headers,
    )
    assert again.status_code == 409
    login(client, person["email"])  # one account, one password, both stores


def test_another_stores_team_is_not_found(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    a, b = api.create_store(), api.create_store()
    owner_a = bearer(join(client, orion, admin_headers, a["id"], "owner")["access_token"])
    owner_b = join(client, orion, admin_headers, b["id"], "owner")
    invited_b = invite(client, admin_headers, b["id"], new_email(), "staff")
    head = orion.platform.head()
    for method, path, body in (
        ("get", team(b["id"]), None),
        ("get", f"{team(b['id'])}/invitations", None),
        ("post", f"{team(b['id'])}/invitations", {"email": new_email(), "role": "staff"}),
        ("delete", f"{team(b['id'])}/invitations/{invited_b['invitation_id']}", None),
        ("patch", f"{team(b['id'])}/members/{owner_b['account_id']}", {"role": "admin"}),
        ("delete", f"{team(b['id'])}/members/{owner_b['account_id']}", None),
        # B's ids through A's routes: unknown in A.
        ("delete", f"{team(a['id'])}/invitations/{invited_b['invitation_id']}", None),
        ("patch", f"{team(a['id'])}/members/{owner_b['account_id']}", {"role": "admin"}),
        ("delete", f"{team(a['id'])}/members/{owner_b['account_id']}", None),
        ("get", team(str(uuid4())), None),
    ):
        response = client.request(method, path, json=body, headers=owner_a)
        assert response.status_code == 404, (method, path, response.text)
    assert orion.platform.head() == head


def test_bad_invitations_name_the_field_and_write_nothing(
    api: Api, client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    sid = api.create_store(code=random_code("team"))["id"]
    path = f"{team(sid)}/invitations"
    head = orion.platform.head()
    for body, field in (
        ({"email": "not an e-mail", "role": "staff"}, "email"),
        ({"email": "a@" + "b" * 250 + ".io", "role": "staff"}, "email"),
        ({"email": new_email(), "role": "god"}, "role"),
        ({"email": new_email()}, "role"),
        ({"email": new_email(), "role": "staff", "extra": 1}, "extra"),
    ):
        response = client.post(path, json=body, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert problem_field(response) == field
    for body, field in (
        ({"token": "t", "password": PASSWORD, "name": "n" * 101}, "name"),
        ({"token": "t" * 513, "password": PASSWORD}, "token"),
        ({"token": "t", "password": "p" * 129}, "password"),
    ):
        response = client.post(f"{AUTH}/invitations/accept", json=body)
        assert response.status_code == 422 and problem_field(response) == field
    bad_role = client.patch(
        f"{team(sid)}/members/{uuid4()}", json={"role": "king"}, headers=admin_headers
    )
    assert bad_role.status_code == 422 and problem_field(bad_role) == "role"
    assert orion.platform.head() == head
