"""Shipping rates and commerce settings through HTTP: the store team's CRUD with its checks and
permissions, another store's rates not found, and the shop's quotes for the shopper's cart per
destination country (flat, by weight band, free over an amount)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from interfaces.bootstrap import Orion
from tests.builders import Api
from tests.integration.api.test_cart import TOKEN, add, on_sale
from tests.integration.api.test_shop_account import bearer, field_error, random_email, register
from tests.integration.api.test_store_customers import member_for


def rates(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/shipping-rates"


def settings(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/settings/commerce"


FLAT = {"name": "Post", "kind": "flat", "amount": 490, "countries": ["LU", "be"]}
WEIGHT = {
    "name": "Parcel",
    "kind": "weight",
    "countries": ["DE"],
    "bands": [{"max_grams": 5000, "amount": 1200}, {"max_grams": 1000, "amount": 700}],
}
FREE_OVER = {"name": "Free over 50", "kind": "free_over", "amount": 900, "free_over": 5000}


@pytest.fixture
def store(api: Api) -> dict[str, Any]:
    return api.create_store()


def test_rates_crud(api: Api, store: dict[str, Any]) -> None:
    path = rates(store["id"])
    assert api.get(path).json() == {"items": [], "version": 0}

    made = api.post(path, FLAT, expect=201)
    rate_id = made.json()["rate_id"]
    assert made.headers["Location"] == f"{path}/{rate_id}"
    assert made.json()["position"] > 0
    at = api.post(path, WEIGHT, expect=201).json()["position"]

    # The lists read the shipping read model: ``min_position`` reads the writes just made.
    listed = api.get(path, min_position=at).json()
    assert [r["name"] for r in listed["items"]] == ["Parcel", "Post"]
    assert listed["version"] == 3  # created, then two rates set
    post = api.get(f"{path}/{rate_id}", min_position=at).json()
    assert post == {
        "id": rate_id,
        "name": "Post",
        "kind": "flat",
        "amount": 490,
        "countries": ["BE", "LU"],  # normalised: upper-case, sorted
        "bands": None,
        "free_over": None,
    }
    parcel = next(r for r in listed["items"] if r["name"] == "Parcel")
    assert parcel["bands"] == [
        {"max_grams": 1000, "amount": 700},
        {"max_grams": 5000, "amount": 1200},
    ]

    replaced = api.client.put(
        f"{path}/{rate_id}",
        json={**FREE_OVER, "countries": []},
        headers=api.headers,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["rate_id"] == rate_id
    at = replaced.json()["position"]
    assert api.get(f"{path}/{rate_id}", min_position=at).json()["kind"] == "free_over"

    removed = api.client.delete(f"{path}/{rate_id}", headers=api.headers)
    assert removed.status_code == 200, removed.text
    at = removed.json()["position"]
    gone = api.get(f"{path}/{rate_id}", expect=404, min_position=at)
    assert gone.json()["rate_id"] == rate_id
    assert gone.headers["X-Orion-Consistent"] == "true"  # not there, rather than not there yet
    listed = api.get(path, min_position=at).json()
    assert [r["name"] for r in listed["items"]] == ["Parcel"]
    assert listed["version"] == 5
    gone = api.client.delete(f"{path}/{rate_id}", headers=api.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**FLAT, "countries": ["LU", "XX"]}, "countries[1]"),
        ({**FLAT, "countries": ["Luxembourg"]}, "countries[0]"),
        ({**WEIGHT, "bands": None}, "bands"),
        ({**WEIGHT, "bands": []}, "bands"),
        ({**WEIGHT, "bands": [{"max_grams": 0, "amount": 100}]}, "bands[0].max_grams"),
        ({**WEIGHT, "bands": [{"max_grams": 100, "amount": -1}]}, "bands[0].amount"),
        ({**WEIGHT, "bands": [{"max_grams": 100}]}, "bands[0].amount"),
        ({**FREE_OVER, "free_over": None}, "free_over"),
        ({**FLAT, "kind": "air"}, "kind"),
        ({**FLAT, "amount": -5}, "amount"),
        ({**FLAT, "amount": "4.90"}, "amount"),
        ({**FLAT, "amount": 4.9}, "amount"),
        ({**FLAT, "name": ""}, "name"),
        ({**FLAT, "name": "   "}, "name"),
        ({**FLAT, "carrier": "DHL"}, "carrier"),
        ({"kind": "flat", "amount": 1}, "name"),
    ],
)
def test_bad_rates_are_refused_and_write_nothing(
    api: Api, orion: Orion, store: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    path = rates(store["id"])
    existing = api.post(path, FLAT, expect=201).json()["rate_id"]
    head = orion.platform.head()
    assert field_error(api.post(path, body))[0] == field
    replaced = api.client.put(f"{path}/{existing}", json=body, headers=api.headers)
    assert field_error(replaced)[0] == field
    assert orion.platform.head() == head


def test_rates_are_the_settings_area(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    path = rates(store["id"])
    rate_id = api.post(path, FLAT, expect=201).json()["rate_id"]
    viewer = member_for(orion, store["id"], "viewer")
    manager = member_for(orion, store["id"], "manager")
    admin = member_for(orion, store["id"], "admin")
    head = orion.platform.head()

    assert client.get(path).status_code == 401
    assert client.get(path, headers=viewer).status_code == 403  # no settings:read
    assert client.get(path, headers=manager).status_code == 200
    for headers in (viewer, manager):
        assert client.post(path, json=FLAT, headers=headers).status_code == 403
        assert client.put(f"{path}/{rate_id}", json=FLAT, headers=headers).status_code == 403
        assert client.delete(f"{path}/{rate_id}", headers=headers).status_code == 403
    customer = register(client, store["code"], random_email())
    assert client.get(path, headers=bearer(customer["access_token"])).status_code == 404
    assert orion.platform.head() > head  # the customer's registration
    head = orion.platform.head()
    assert client.post(path, json=FLAT, headers=admin).status_code == 201
    assert orion.platform.head() > head


def test_another_store_s_rates_are_not_found(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    other = api.create_store()
    theirs = api.post(rates(other["id"]), FLAT, expect=201).json()["rate_id"]
    made = api.post(rates(store["id"]), WEIGHT, expect=201).json()
    mine, at = made["rate_id"], made["position"]
    owner = member_for(orion, store["id"], "owner")
    head = orion.platform.head()
    path = rates(store["id"])
    # (At a position past their rate: the read model has it, and still shows it to no one.)
    seen = {"min_position": at}
    assert client.get(f"{path}/{theirs}", headers=owner, params=seen).status_code == 404
    assert client.put(f"{path}/{theirs}", json=FLAT, headers=owner).status_code == 404
    assert client.delete(f"{path}/{theirs}", headers=owner).status_code == 404
    assert client.put(f"{path}/{uuid4()}", json=FLAT, headers=owner).status_code == 404
    # Their store's path: not a member there.
    assert client.get(rates(other["id"]), headers=owner).status_code == 404
    assert client.delete(f"{rates(other['id'])}/{theirs}", headers=owner).status_code == 404
    assert client.get(rates(str(uuid4())), headers=api.headers).status_code == 404
    assert orion.platform.head() == head
    assert [r["id"] for r in api.get(path, min_position=at).json()["items"]] == [mine]


# -- the shop's quotes ----------------------------------------------------------------------


def quote(client: TestClient, code: str, country: str, **headers: str) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/shop/{code}/shipping-rates", params={"country": country}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def offered(body: dict[str, Any]) -> dict[str, int]:
    return {q["name"]: q["amount"] for q in body["rates"]}


def test_quotes_per_country_for_the_cart(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    for body in (FLAT, WEIGHT, FREE_OVER):
        api.post(rates(store["id"]), body, expect=201)
    light = on_sale(api, orion, store["id"], amount=1500, weight=300, stock=50)

    # An empty cart: nothing weighs anything, the subtotal is 0.
    assert offered(quote(client, code, "LU")) == {"Post": 490, "Free over 50": 900}

    token = add(client, code, light, 2)["cart_token"]  # 3000, 600 g
    guest = {TOKEN: token}
    lu = quote(client, code, "lu", **guest)
    assert lu["country"] == "LU" and lu["currency"] == "EUR"
    assert (lu["subtotal"], lu["weight_grams"]) == (3000, 600)
    assert [q["name"] for q in lu["rates"]] == ["Post", "Free over 50"]  # cheapest first
    assert offered(quote(client, code, "DE", **guest)) == {"Parcel": 700, "Free over 50": 900}
    assert offered(quote(client, code, "FR", **guest)) == {"Free over 50": 900}

    add(client, code, light, 2, **guest)  # 6000, 1200 g: free, and the next weight band
    assert offered(quote(client, code, "DE", **guest)) == {"Free over 50": 0, "Parcel": 1200}
    add(client, code, light, 20, **guest)  # 7200 g: too heavy for any band
    assert offered(quote(client, code, "DE", **guest)) == {"Free over 50": 0}

    # A customer's quotes come from their own cart.
    customer = register(client, code, random_email())
    add(client, code, light, 1, **bearer(customer["access_token"]))
    mine = quote(client, code, "LU", **bearer(customer["access_token"]))
    assert (mine["subtotal"], mine["weight_grams"]) == (1500, 300)


def test_quotes_refuse_bad_countries_and_other_shops_carts(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    path = f"/api/v1/shop/{code}/shipping-rates"
    for country in ("XX", "LUX", "", "1"):
        assert field_error(client.get(path, params={"country": country}))[0] == "country"
    assert field_error(client.get(path))[0] == "country"
    other = api.create_store()
    foreign = add(client, other["code"], on_sale(api, orion, other["id"]), 1)["cart_token"]
    response = client.get(path, params={"country": "LU"}, headers={TOKEN: foreign})
    assert response.status_code == 404
    response = client.get(path, params={"country": "LU"}, headers={TOKEN: "forged.token"})
    assert response.status_code == 401
    assert client.get("/api/v1/shop/no-such-shop/shipping-rates?country=LU").status_code == 404


# -- commerce settings ----------------------------------------------------------------------


def test_commerce_settings(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    path = settings(store["id"])
    assert api.get(path).json() == {"checkout_hold_minutes": 0, "payment_timeout_hours": 72}
    changed = api.patch(path, {"checkout_hold_minutes": 15}, expect=200)
    assert changed.json()["position"] > 0
    assert api.get(path).json() == {"checkout_hold_minutes": 15, "payment_timeout_hours": 72}
    api.patch(path, {"payment_timeout_hours": 48}, expect=200)
    assert api.get(path).json() == {"checkout_hold_minutes": 15, "payment_timeout_hours": 48}
    # What checkout reads is what the API set.
    assert orion.commerce.settings(UUID(store["id"])) == api.get(path).json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"checkout_hold_minutes": 61}, "checkout_hold_minutes"),
        ({"checkout_hold_minutes": -1}, "checkout_hold_minutes"),
        ({"checkout_hold_minutes": "5"}, "checkout_hold_minutes"),
        ({"checkout_hold_minutes": None}, "checkout_hold_minutes"),
        ({"payment_timeout_hours": 0}, "payment_timeout_hours"),
        ({"payment_timeout_hours": 24 * 30 + 1}, "payment_timeout_hours"),
        ({"payment_timeout_hours": 1.5}, "payment_timeout_hours"),
        ({"tax_included": True}, "tax_included"),
        ({}, "body"),
    ],
)
def test_bad_settings_are_refused_and_write_nothing(
    api: Api, orion: Orion, store: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    head = orion.platform.head()
    assert field_error(api.patch(settings(store["id"]), body))[0] == field
    assert orion.platform.head() == head


def test_settings_permissions(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    path = settings(store["id"])
    viewer = member_for(orion, store["id"], "viewer")
    manager = member_for(orion, store["id"], "manager")
    outsider = member_for(orion, api.create_store()["id"], "owner")
    head = orion.platform.head()
    assert client.get(path, headers=viewer).status_code == 403
    assert client.get(path, headers=manager).status_code == 200
    body = {"checkout_hold_minutes": 5}
    assert client.patch(path, json=body, headers=manager).status_code == 403
    assert client.get(path, headers=outsider).status_code == 404
    assert client.patch(path, json=body, headers=outsider).status_code == 404
    assert client.patch(settings(str(uuid4())), json=body, headers=api.headers).status_code == 404
    assert orion.platform.head() == head
