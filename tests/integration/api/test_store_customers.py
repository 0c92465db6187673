"""The store's customer desk through HTTP: find and see customers, deactivate and reactivate
them, export; roles decide who may do what, and another store's customers do not exist."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from domain.identity.aggregates import Team
from domain.shared.ids import team_id
from interfaces.bootstrap import Orion
from tests.builders import Api
from tests.integration.api.test_shop_account import (
    VAT_OK,
    account,
    address,
    bearer,
    field_error,
    login,
    random_email,
    register,
)


def customers(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/customers"


def read(api: Api, path: str, position: int, **params: Any) -> Any:
    response = api.get(path, min_position=position, **params)
    assert response.headers["X-Orion-Consistent"] == "true"
    return response.json()


def key_for(orion: Orion, store_id: str, role: str) -> dict[str, str]:
    """A bearer header for an API key of ``store_id`` with ``role``."""
    made = orion.teams.create_api_key(
        CommandContext(actor="test"), UUID(store_id), name=f"{role} key", role=role, by_role=None
    )
    return bearer(made.token)


def member_for(orion: Orion, store_id: str, role: str) -> dict[str, str]:
    """A bearer header for a person invited to the team with ``role``, who accepted."""
    ctx = CommandContext(actor="test")
    orion.teams.invite(ctx, UUID(store_id), email=random_email("staff"), role=role, by_role=None)
    team = orion.platform.find(Team, team_id(UUID(store_id)))
    assert team is not None
    invitation_id = next(i for i, v in team.invitations.items() if v["status"] == "pending")
    token = orion.teams.invitation_token(UUID(store_id), invitation_id)
    issued = orion.teams.accept(ctx, token=token, password="staff passphrase 1", name="Sam")
    return bearer(issued.access_token)


def test_list_find_and_see_customers(client: TestClient, api: Api) -> None:
    store, other = api.create_store(), api.create_store()
    ada_email = random_email("ada")
    ada = register(
        client,
        store["code"],
        ada_email,
        first_name="Ada",
        last_name="Lovelace",
        marketing_consent=True,
    )
    grace = register(client, store["code"], random_email("grace"), first_name="Grace")
    register(client, store["code"], random_email("alan"), first_name="Alan")
    outsider = register(client, other["code"], random_email("eve"), first_name="Eve")
    added = client.post(
        f"{account(store['code'])}/me/addresses",
        json=address(company="Engines SA", vat_number=VAT_OK),
        headers=bearer(ada["access_token"]),
    )
    position = added.json()["position"]

    page = read(api, customers(store["id"]), position)
    assert len(page["items"]) == 3 and page["next_cursor"] is None
    assert outsider["account_id"] not in {c["id"] for c in page["items"]}
    found = read(api, customers(store["id"]), position, q=ada_email.upper())["items"]
    assert [c["id"] for c in found] == [ada["account_id"]]
    assert found[0]["email"] == ada_email and found[0]["first_name"] == "Ada"
    by_name = read(api, customers(store["id"]), position, q="lovelace")["items"]
    assert [c["id"] for c in by_name] == [ada["account_id"]]
    consenting = read(api, customers(store["id"]), position, marketing_consent="true")["items"]
    assert [c["id"] for c in consenting] == [ada["account_id"]]
    assert read(api, customers(store["id"]), position, status="disabled")["items"] == []

    first = read(api, customers(store["id"]), position, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = read(api, customers(store["id"]), position, limit=2, cursor=first["next_cursor"])
    ids = {c["id"] for c in first["items"] + rest["items"]}
    assert len(ids) == 3 and rest["next_cursor"] is None

    one = read(api, f"{customers(store['id'])}/{ada['account_id']}", position)
    assert one["email"] == ada_email and one["status"] == "active" and one["currency"] == "EUR"
    assert one["order_count"] == 0 and one["total_spent_minor"] == 0
    assert [a["vat_number"] for a in one["addresses"]] == [VAT_OK]
    assert one["addresses"][0]["default_billing"] and one["addresses"][0]["default_shipping"]

    # Another store's customer, or no customer at all: 404.
    for missing in (outsider["account_id"], str(uuid4())):
        url = f"{customers(store['id'])}/{missing}"
        assert api.get(url, expect=404).json()["status"] == 404
        assert api.get(f"{url}/export", expect=404).json()["status"] == 404
        api.post(f"{url}/deactivate", {"reason": "x"}, expect=404)
        api.post(f"{url}/reactivate", expect=404)
        assert api.client.delete(url, headers=api.headers).status_code == 404
    assert grace["account_id"] in ids


def test_bad_queries_name_the_field(client: TestClient, api: Api) -> None:
    store = api.create_store()
    url = customers(store["id"])
    for params, field in (
        ({"status": "gone"}, "status"),
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"marketing_consent": "perhaps"}, "marketing_consent"),
    ):
        response = api.get(url, expect=None, **params)
        assert field_error(response)[0] == field


def test_deactivated_customer_cannot_sign_in_and_its_tokens_stop(
    client: TestClient, orion: Orion, api: Api
) -> None:
    store = api.create_store()
    email = random_email()
    made = register(client, store["code"], email)
    url = f"{customers(store['id'])}/{made['account_id']}"
    me = f"{account(store['code'])}/me"

    head = orion.platform.head()
    assert field_error(api.post(f"{url}/deactivate", {}))[0] == "reason"
    assert field_error(api.post(f"{url}/deactivate", {"reason": "x" * 201}))[0] == "reason"
    assert orion.platform.head() == head

    done = api.post(f"{url}/deactivate", {"reason": "chargebacks"}, expect=200).json()
    assert done["id"] == made["account_id"]
    assert client.get(me, headers=bearer(made["access_token"])).status_code == 401
    refresh = client.post(
        f"{account(store['code'])}/refresh", json={"refresh_token": made["refresh_token"]}
    )
    assert refresh.status_code == 401
    # The same answer as a wrong password: a deactivated account is not revealed.
    refused = login(client, store["code"], email)
    wrong = login(client, store["code"], random_email())
    assert refused.status_code == wrong.status_code == 401
    assert refused.json() == wrong.json()
    assert api.post(f"{url}/deactivate", {"reason": "again"}).status_code == 409
    listed = read(api, customers(store["id"]), done["position"], status="disabled")
    assert [c["id"] for c in listed["items"]] == [made["account_id"]]

    back = api.post(f"{url}/reactivate", expect=200).json()
    assert api.post(f"{url}/reactivate").status_code == 409
    assert read(api, url, back["position"])["status"] == "active"
    assert login(client, store["code"], email).status_code == 200


def test_store_export(client: TestClient, api: Api) -> None:
    store = api.create_store()
    email = random_email()
    made = register(client, store["code"], email, first_name="Ada")
    exported = api.get(f"{customers(store['id'])}/{made['account_id']}/export")
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    assert exported.json()["customer"]["email"] == email


@pytest.mark.parametrize("how", ["api_key", "member"])
@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_readers_may_look_but_not_erase(
    client: TestClient, orion: Orion, api: Api, how: str, role: str
) -> None:
    store, other = api.create_store(), api.create_store()
    made = register(client, store["code"], random_email())
    headers = (key_for if how == "api_key" else member_for)(orion, store["id"], role)
    url = f"{customers(store['id'])}/{made['account_id']}"

    fresh = {"min_position": orion.platform.head()}
    listed = client.get(customers(store["id"]), params=fresh, headers=headers)
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [made["account_id"]]
    assert client.get(url, params=fresh, headers=headers).status_code == 200
    head = orion.platform.head()
    erase = client.delete(url, headers=headers)
    assert erase.status_code == 403, erase.text
    assert erase.json()["permission"] == "customers:write"
    deactivate = client.post(f"{url}/deactivate", json={"reason": "x"}, headers=headers)
    assert deactivate.status_code == 403
    assert orion.platform.head() == head
    # Another store: not found, whatever the role would allow.
    assert client.get(customers(other["id"]), headers=headers).status_code == 404


def test_who_is_not_in_the_store(client: TestClient, orion: Orion, api: Api) -> None:
    store = api.create_store()
    made = register(client, store["code"], random_email())
    url = customers(store["id"])
    assert client.get(url).status_code == 401
    # A customer is no member of the store's team.
    assert client.get(url, headers=bearer(made["access_token"])).status_code == 404
    manager = key_for(orion, store["id"], "manager")
    target = f"{url}/{made['account_id']}"
    assert client.post(f"{target}/deactivate", json={"reason": "x"}, headers=manager).is_success
