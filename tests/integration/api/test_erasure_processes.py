"""Erasure holds at once in every process (issue 11, section 2).

Two ``Orion`` instances bootstrapped on one database are what two ``orion serve`` processes are:
nothing in memory is shared. The second reads (and so caches) everything about a person; the
first erases them. The second's very next answers show the person erased, with none of their
data in any body. The projector is stopped before the erasure, as when it is behind or down: the
read models still hold the person's clear data, and no answer may show it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.builders import Api
from tests.integration.api.test_checkout import key, open_shop
from tests.integration.api.test_erasure import found_in
from tests.integration.api.test_shop_account import account, address, bearer, register
from tests.integration.api.test_staff_auth import AUTH
from tests.integration.api.test_team import accept, invite, team, token_of


@pytest.fixture
def second(settings: Settings, client: TestClient) -> Iterator[TestClient]:
    """Another API process on the same database (it runs no projector of its own). Taking
    ``client`` first makes the first process set the database up."""
    other = bootstrap(settings)
    try:
        with TestClient(
            create_app(other, run_projections=False), raise_server_exceptions=False
        ) as test_client:
            yield test_client
    finally:
        other.close()


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response


def stop_projector(orion: Orion) -> None:
    """The first process's projector (the only one) stops: read models fall behind the log."""
    orion.projections.stop()


def test_an_erased_customer_is_erased_at_once_in_another_process(
    client: TestClient, second: TestClient, orion: Orion, api: Api
) -> None:
    admin = api.headers
    shop = open_shop(orion)
    tag = secrets.token_hex(4)
    email = f"philippa.{tag}@example.org"
    first, last = f"Philippa{tag}", f"Fawcett{tag}"
    phone = f"+352 691 {secrets.randbelow(900_000) + 100_000}"
    home = address(
        first_name=first, last_name=last, line1=f"{tag} Boulevard Royal", city=f"Diekirch{tag}"
    )
    needles = [email, first, last, phone, home["line1"], home["city"]]

    made = register(client, shop.code, email, first_name=first, last_name=last, phone=phone)
    customer_id, me = made["account_id"], bearer(made["access_token"])
    added = client.post(f"{account(shop.code)}/me/addresses", json=home, headers=me)
    assert added.status_code == 201, added.text
    # The order is placed through the service: the checkout route is not what is tested here.
    shopper = CommandContext(actor=f"customer:{customer_id}", idempotency_key=key())
    ref = CartRef(customer_id=UUID(customer_id))
    orion.carts.add(shopper, shop.id, ref, sku=shop.skus[0], quantity=1)
    details = CheckoutDetails(
        shipping_rate_id=shop.rate_id,
        payment_method="manual",
        shipping_address_id=UUID(added.json()["address_id"]),
    )
    placed = orion.checkout.place(shopper, shop.id, ref, details, customer_id=UUID(customer_id))
    order_id = str(placed.order_id)
    head = orion.platform.head()

    # The second process serves the person in clear, and so holds their key.
    customers = f"/api/v1/stores/{shop.id}/customers"
    orders = f"/api/v1/stores/{shop.id}/orders"
    detail = get(second, f"{customers}/{customer_id}", admin, min_position=head).json()
    assert detail["email"] == email and detail["addresses"][0]["city"] == home["city"]
    assert get(second, f"{customers}/{customer_id}/export", admin).json()["erased"] is False
    order = get(second, f"{orders}/{order_id}", admin, min_position=head).json()
    assert order["email"] == email and order["contact"]["email"] == email
    assert get(second, f"{account(shop.code)}/me", me).json()["email"] == email

    stop_projector(orion)
    erased = client.delete(f"{customers}/{customer_id}", headers=admin)
    assert erased.status_code == 200, erased.text

    # At once, in the second process: every answer shows the person erased, and nothing of them.
    one = get(second, f"{customers}/{customer_id}", admin).json()
    assert one["status"] == "erased" and one["addresses"] == []
    assert (one["email"], one["first_name"], one["last_name"], one["phone"]) == (None,) * 4
    exported = get(second, f"{customers}/{customer_id}/export", admin).json()
    assert exported["erased"] is True and exported["customer"]["status"] == "erased"
    assert exported["customer"]["email"] is None and exported["customer"]["addresses"] == []
    order = get(second, f"{orders}/{order_id}", admin).json()
    assert order["contact"]["erased"] is True and order["email"] is None
    listed = get(second, customers, admin)
    assert [c["status"] for c in listed.json()["items"]] == ["erased"]
    assert get(second, customers, admin, q=email).json()["items"] == []
    order_list = get(second, orders, admin)
    assert [o["email"] for o in order_list.json()["items"]] == [None]
    assert get(second, orders, admin, q=email).json()["items"] == []
    assert second.get(f"{account(shop.code)}/me", headers=me).status_code == 401
    assert second.get(f"{account(shop.code)}/me/export", headers=me).status_code == 401
    bodies = [
        str(one),
        str(exported),
        str(order),
        listed.text,
        order_list.text,
    ]
    assert found_in(" ".join(bodies), needles) == []


def test_an_erased_user_is_erased_at_once_in_another_process(
    client: TestClient, second: TestClient, orion: Orion, api: Api
) -> None:
    admin = api.headers
    store = api.create_store()
    tag = secrets.token_hex(4)
    email, name = f"olive.{tag}@example.com", f"Olive Owner{tag}"
    invited = invite(client, admin, store["id"], email, "owner")
    accepted = accept(client, token_of(orion, store["id"], invited), name=name)
    assert accepted.status_code == 200, accepted.text
    user_id, staff = accepted.json()["account_id"], bearer(accepted.json()["access_token"])
    head = orion.platform.head()

    users = "/api/v1/admin/users"
    assert get(second, f"{users}/{user_id}", admin, min_position=head).json()["email"] == email
    members = get(second, team(store["id"]), admin, min_position=head).json()["items"]
    assert [m["name"] for m in members] == [name]
    assert get(second, f"{AUTH}/me", staff).json()["email"] == email

    stop_projector(orion)
    erased = client.delete(f"{users}/{user_id}", headers=admin)
    assert erased.status_code == 200, erased.text

    one = get(second, f"{users}/{user_id}", admin).json()
    assert (one["status"], one["email"], one["name"]) == ("erased", None, None)
    listed = get(second, users, admin)
    assert get(second, users, admin, q=email).json()["items"] == []
    members_now = get(second, team(store["id"]), admin)
    assert [(m["email"], m["name"]) for m in members_now.json()["items"]] == [(None, None)]
    assert second.get(f"{AUTH}/me", headers=staff).status_code == 401
    bodies = [str(one), listed.text, members_now.text]
    assert found_in(" ".join(bodies), [email, name]) == []
