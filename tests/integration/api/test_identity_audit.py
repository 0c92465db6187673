"""Security-relevant acts are events with their actor, in the audit log: logins, failed
logins, invitations, role changes, API key creation, erasure. And none of them carries an
e-mail address, a name or a secret in clear."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from interfaces.bootstrap import Orion

PASSWORD = "audit passphrase 42"


def audit(client: TestClient, admin: dict[str, str], position: int) -> list[dict[str, Any]]:
    answer = client.get(
        "/api/v1/admin/audit/events",
        params={"min_position": position, "limit": 500},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_security_events_are_audited_with_their_actor(
    orion: Orion, client: TestClient, admin_headers: dict[str, str]
) -> None:
    store = client.post(
        "/api/v1/admin/stores",
        json={
            "code": "audited",
            "name": "Audited",
            "country": "FR",
            "currency": "EUR",
            "locale": "fr_FR",
        },
        headers=admin_headers,
    ).json()
    store_id = store["id"]
    invited = client.post(
        f"/api/v1/stores/{store_id}/team/invitations",
        json={"email": "Owner@Audited.example", "role": "owner"},
        headers=admin_headers,
    )
    assert invited.status_code == 201, invited.text
    team = orion.teams.team(orion.stores.get(UUID(store_id)).id)
    assert team is not None
    invitation_id = next(iter(team.invitations))
    token = orion.teams.invitation_token(team.store_id, invitation_id)
    joined = client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": token, "password": PASSWORD, "name": "Olive Owner"},
    )
    assert joined.status_code in (200, 201), joined.text
    owner_id = joined.json()["account_id"]

    wrong = client.post(
        "/api/v1/auth/login", json={"email": "owner@audited.example", "password": "not it at all"}
    )
    assert wrong.status_code == 401
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@audited.example", "password": "not it at all"}
    )
    assert unknown.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    login = client.post(
        "/api/v1/auth/login", json={"email": "owner@audited.example", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    as_owner = {"Authorization": f"Bearer {login.json()['access_token']}"}

    key = client.post(
        f"/api/v1/stores/{store_id}/api-keys",
        json={"name": "ERP", "role": "viewer"},
        headers=as_owner,
    )
    assert key.status_code == 201, key.text
    client.post(
        f"/api/v1/stores/{store_id}/team/invitations",
        json={"email": "clerk@audited.example", "role": "staff"},
        headers=as_owner,
    )
    team = orion.teams.team(team.store_id)
    assert team is not None
    clerk_invitation = next(i for i, v in team.invitations.items() if v["status"] == "pending")
    clerk = client.post(
        "/api/v1/auth/invitations/accept",
        json={
            "token": orion.teams.invitation_token(team.store_id, clerk_invitation),
            "password": PASSWORD,
        },
    ).json()["account_id"]
    changed = client.patch(
        f"/api/v1/stores/{store_id}/team/members/{clerk}",
        json={"role": "manager"},
        headers=as_owner,
    )
    assert changed.status_code == 200, changed.text
    shopper = client.post(
        "/api/v1/shop/audited/account/register",
        json={"email": "shopper@audited.example", "password": PASSWORD, "first_name": "Sid"},
    ).json()["account_id"]
    erased = client.delete(f"/api/v1/stores/{store_id}/customers/{shopper}", headers=as_owner)
    assert erased.status_code in (200, 204), erased.text

    events = audit(client, admin_headers, orion.platform.head())
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["event_type"], []).append(event)
    owner_actor = f"member:{owner_id}"

    assert by_type["Team.InvitationSent"][0]["actor"] == "platform_admin:bootstrap"
    assert by_type["Team.InvitationSent"][1]["actor"] == owner_actor
    assert {e["data"]["reason"] for e in by_type["LoginAttempt.Failed"]} == {
        "wrong_password",
        "unknown_account",
    }
    logins = [e for e in by_type["Session.Started"] if e["actor"] == f"user:{owner_id}"]
    assert logins, by_type["Session.Started"]
    assert by_type["ApiKey.Created"][0]["actor"] == owner_actor
    assert by_type["Team.RoleChanged"][0]["actor"] == owner_actor
    assert by_type["Team.RoleChanged"][0]["data"]["role"] == "manager"
    assert by_type["Customer.Erased"][0]["actor"] == owner_actor
    assert by_type["Customer.Erased"][0]["store_id"] == store_id

    # No personal data and no secret in clear anywhere in the audit log.
    text = json.dumps(events).lower()
    for secret in (
        "owner@audited.example",
        "clerk@audited.example",
        "shopper@audited.example",
        "ghost@audited.example",
        "olive owner",
        PASSWORD,
        key.json()["token"].lower(),
        login.json()["refresh_token"].split(".")[1].lower(),
    ):
        assert secret not in text, secret
