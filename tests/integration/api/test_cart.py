"""The storefront cart through HTTP: a guest's by its token, a customer's by their session, the
guest's cart merged into the customer's at sign-in, stock checks that say how many are left,
bad input refused with nothing written, tokens good at their own shop only; and the store's
abandoned-cart figure from the carts read model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from domain.shared.ids import customer_cart_id
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from projections.cart import queries
from tests.builders import Api, random_sku, variant
from tests.integration.api.test_shop_account import (
    bearer,
    field_error,
    login,
    random_email,
    register,
)
from tests.integration.api.test_store_customers import member_for

STOCK_CTX = CommandContext(actor="test")
TOKEN = "X-Cart-Token"


def cart(code: str) -> str:
    return f"/api/v1/shop/{code}/cart"


def on_sale(
    api: Api,
    orion: Orion,
    store_id: str,
    *,
    amount: int = 1000,
    stock: int = 10,
    weight: int = 0,
    publish: bool = True,
) -> str:
    """A published product with one variant, ``stock`` units received; its SKU."""
    sku = random_sku()
    attributes = {"weight_grams": str(weight)} if weight else {}
    made = api.create_product(store_id, variants=[variant(sku, amount, **attributes)]).json()
    if publish:
        api.publish(store_id, made["id"])
    if stock:
        orion.inventory.receive(STOCK_CTX, UUID(store_id), sku=sku, quantity=stock)
    return sku


def add(
    client: TestClient,
    code: str,
    sku: str,
    quantity: int,
    expect: int = 201,
    **headers: str,
) -> Any:
    response = client.post(
        f"{cart(code)}/lines", json={"sku": sku, "quantity": quantity}, headers=headers
    )
    assert response.status_code == expect, response.text
    return response.json()


def view(client: TestClient, code: str, **headers: str) -> dict[str, Any]:
    response = client.get(cart(code), headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def quantities(body: dict[str, Any]) -> dict[str, int]:
    return {line["sku"]: line["quantity"] for line in body["lines"]}


@pytest.fixture
def store(api: Api) -> dict[str, Any]:
    return api.create_store()


# -- guests ---------------------------------------------------------------------------------


def test_guest_cart_by_token(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    mug = on_sale(api, orion, store["id"], amount=1250, stock=10, weight=400)
    tea = on_sale(api, orion, store["id"], amount=499, stock=3)

    empty = view(client, code)
    assert empty["id"] is None and empty["lines"] == [] and empty["subtotal"] == 0
    assert empty["currency"] == "EUR" and empty["cart_token"]

    first = client.post(f"{cart(code)}/lines", json={"sku": mug, "quantity": 2})
    assert first.status_code == 201, first.text
    token = first.json()["cart_token"]
    assert first.headers[TOKEN] == token
    assert first.json()["version"] >= 2 and first.json()["position"] > 0
    cart_id = first.json()["id"]

    again = add(client, code, mug, 1, **{TOKEN: token})
    assert again["id"] == cart_id and again["cart_token"] == token
    add(client, code, tea, 3, **{TOKEN: token})

    seen = view(client, code, **{TOKEN: token})
    assert seen["id"] == cart_id and seen["cart_token"] == token
    assert quantities(seen) == {mug: 3, tea: 3}
    lines = {line["sku"]: line for line in seen["lines"]}
    assert lines[mug]["unit_price"] == 1250 and lines[mug]["line_total"] == 3750
    assert lines[mug]["available"] == 10 and lines[tea]["available"] == 3
    assert lines[mug]["weight_grams"] == 400
    assert seen["subtotal"] == 3750 + 1497 and seen["item_count"] == 6
    assert seen["weight_grams"] == 1200

    changed = client.patch(
        f"{cart(code)}/lines/{mug}", json={"quantity": 1}, headers={TOKEN: token}
    )
    assert changed.status_code == 200, changed.text
    removed = client.delete(f"{cart(code)}/lines/{tea}", headers={TOKEN: token})
    assert removed.status_code == 200, removed.text
    assert quantities(view(client, code, **{TOKEN: token})) == {mug: 1}
    cleared = client.delete(cart(code), headers={TOKEN: token})
    assert cleared.status_code == 200, cleared.text
    assert view(client, code, **{TOKEN: token})["lines"] == []

    # Another guest (no token) has a cart of their own.
    assert view(client, code)["lines"] == []


def test_a_token_from_get_is_used_by_the_first_add(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    sku = on_sale(api, orion, store["id"])
    token = view(client, store["code"])["cart_token"]
    made = add(client, store["code"], sku, 1, **{TOKEN: token})
    assert made["cart_token"] == token
    assert quantities(view(client, store["code"], **{TOKEN: token})) == {sku: 1}


def test_retried_add_with_a_token_replays_and_writes_nothing(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    sku = on_sale(api, orion, store["id"])
    token = add(client, code, sku, 1)["cart_token"]
    headers = {TOKEN: token, "Idempotency-Key": "add-once"}
    first = client.post(f"{cart(code)}/lines", json={"sku": sku, "quantity": 2}, headers=headers)
    assert first.status_code == 201, first.text
    head = orion.platform.head()
    retry = client.post(f"{cart(code)}/lines", json={"sku": sku, "quantity": 2}, headers=headers)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert orion.platform.head() == head
    assert quantities(view(client, code, **{TOKEN: token})) == {sku: 3}


def test_guests_without_a_token_never_share_a_cart_through_a_key(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    """Two guests who chose the same Idempotency-Key get two carts: replaying the first's
    answer would hand the second the first one's cart token."""
    sku = on_sale(api, orion, store["id"])
    key = {"Idempotency-Key": "same-key"}
    one = add(client, store["code"], sku, 1, **key)
    two = add(client, store["code"], sku, 1, **key)
    assert one["id"] != two["id"] and one["cart_token"] != two["cart_token"]


# -- customers ------------------------------------------------------------------------------


def test_customer_cart(client: TestClient, api: Api, orion: Orion, store: dict[str, Any]) -> None:
    code = store["code"]
    sku = on_sale(api, orion, store["id"], amount=700)
    made_email = random_email()
    made = register(client, code, made_email)
    me = bearer(made["access_token"])

    answer = add(client, code, sku, 2, **me)
    assert "cart_token" not in answer
    assert answer["id"] == str(customer_cart_id(UUID(made["account_id"])))
    seen = view(client, code, **me)
    assert seen["id"] == answer["id"] and seen["cart_token"] is None
    assert quantities(seen) == {sku: 2} and seen["subtotal"] == 1400

    # Signed in again (another session): the same cart.
    again = login(client, code, made_email)
    assert again.status_code == 200, again.text
    assert quantities(view(client, code, **bearer(again.json()["access_token"]))) == {sku: 2}
    # A guest token is ignored for a signed-in customer: their own cart answers.
    guest_token = add(client, code, sku, 1)["cart_token"]
    assert quantities(view(client, code, **me, **{TOKEN: guest_token})) == {sku: 2}


def test_guest_cart_merges_into_the_customers_at_login(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    a = on_sale(api, orion, store["id"], stock=10)
    b = on_sale(api, orion, store["id"], stock=4)
    email = random_email()
    made = register(client, code, email)
    add(client, code, b, 2, **bearer(made["access_token"]))

    token = add(client, code, a, 2)["cart_token"]
    add(client, code, b, 3, **{TOKEN: token})

    signed_in = client.post(
        f"/api/v1/shop/{code}/account/login",
        json={"email": email, "password": "correct horse battery"},
        headers={TOKEN: token},
    )
    assert signed_in.status_code == 200, signed_in.text
    me = bearer(signed_in.json()["access_token"])
    # Quantities add up, capped by what is available (b: 2 + 3 wanted, 4 in stock).
    assert quantities(view(client, code, **me)) == {a: 2, b: 4}
    assert view(client, code, **{TOKEN: token})["lines"] == []

    # Signing in again with the (now empty) guest cart changes nothing.
    again = client.post(
        f"/api/v1/shop/{code}/account/login",
        json={"email": email, "password": "correct horse battery"},
        headers={TOKEN: token},
    )
    assert again.status_code == 200
    assert quantities(view(client, code, **me)) == {a: 2, b: 4}


def test_guest_cart_becomes_the_new_customers_at_registration(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code = store["code"]
    sku = on_sale(api, orion, store["id"])
    token = add(client, code, sku, 3)["cart_token"]
    made = client.post(
        f"/api/v1/shop/{code}/account/register",
        json={"email": random_email(), "password": "correct horse battery"},
        headers={TOKEN: token},
    )
    assert made.status_code == 201, made.text
    assert quantities(view(client, code, **bearer(made.json()["access_token"]))) == {sku: 3}


def test_a_bad_cart_token_never_fails_the_sign_in(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code, other = store["code"], api.create_store()
    email = random_email()
    register(client, code, email)
    foreign_sku = on_sale(api, orion, other["id"])
    foreign = add(client, other["code"], foreign_sku, 1)["cart_token"]
    for token in ("forged.token", "x" * 300, foreign):
        response = client.post(
            f"/api/v1/shop/{code}/account/login",
            json={"email": email, "password": "correct horse battery"},
            headers={TOKEN: token},
        )
        assert response.status_code == 200, response.text
        assert view(client, code, **bearer(response.json()["access_token"]))["lines"] == []
    # The other shop's guest cart is untouched.
    assert quantities(view(client, other["code"], **{TOKEN: foreign})) == {foreign_sku: 1}


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "X", "quantity": 0}, "quantity"),
        ({"sku": "X", "quantity": 1000}, "quantity"),
        ({"sku": "X", "quantity": "2"}, "quantity"),
        ({"sku": "X", "quantity": 1.5}, "quantity"),
        ({"sku": "X", "quantity": True}, "quantity"),
        ({"sku": "X"}, "quantity"),
        ({"quantity": 1}, "sku"),
        ({"sku": "", "quantity": 1}, "sku"),
        ({"sku": "X" * 65, "quantity": 1}, "sku"),
        ({"sku": "X", "quantity": 1, "price": 1}, "price"),
    ],
)
def test_bad_lines_are_refused_and_write_nothing(
    client: TestClient,
    api: Api,
    orion: Orion,
    store: dict[str, Any],
    body: dict[str, Any],
    field: str,
) -> None:
    sku = on_sale(api, orion, store["id"])
    token = add(client, store["code"], sku, 1)["cart_token"]
    body = {**body, "sku": sku} if body.get("sku") == "X" else body
    head = orion.platform.head()
    response = client.post(f"{cart(store['code'])}/lines", json=body, headers={TOKEN: token})
    assert field_error(response)[0] == field
    changed = client.patch(
        f"{cart(store['code'])}/lines/{sku}",
        json={k: v for k, v in body.items() if k != "sku"},
        headers={TOKEN: token},
    )
    if field != "sku":
        assert field_error(changed)[0] == field
    assert orion.platform.head() == head


def test_tokens_are_good_at_their_own_shop_only(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    code, other = store["code"], api.create_store()
    sku = on_sale(api, orion, store["id"])
    other_sku = on_sale(api, orion, other["id"])
    token = add(client, code, sku, 1)["cart_token"]
    foreign = add(client, other["code"], other_sku, 1)["cart_token"]
    head = orion.platform.head()

    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    for bad in (forged, "not-a-token", token.split(".")[0]):
        response = client.get(cart(code), headers={TOKEN: bad})
        assert response.status_code == 401, response.text
        response = client.post(
            f"{cart(code)}/lines", json={"sku": sku, "quantity": 1}, headers={TOKEN: bad}
        )
        assert response.status_code == 401, response.text

    # The other shop's cart is not found here, whatever is asked of it.
    assert client.get(cart(code), headers={TOKEN: foreign}).status_code == 404
    attempts = [
        ("POST", "/lines", {"sku": sku, "quantity": 1}),
        ("PATCH", f"/lines/{other_sku}", {"quantity": 1}),
        ("DELETE", f"/lines/{other_sku}", None),
        ("DELETE", "", None),
    ]
    for method, path, body in attempts:
        response = client.request(method, cart(code) + path, json=body, headers={TOKEN: foreign})
        assert response.status_code == 404, f"{method} {path}: {response.text}"
    assert orion.platform.head() == head
    assert quantities(view(client, other["code"], **{TOKEN: foreign})) == {other_sku: 1}


def test_other_accounts_are_not_signed_in_at_the_shop(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any], admin_headers: Any
) -> None:
    code, other = store["code"], api.create_store()
    sku = on_sale(api, orion, store["id"])
    elsewhere = register(client, other["code"], random_email())
    staff = member_for(orion, store["id"], "owner")
    head = orion.platform.head()
    for headers in (bearer(elsewhere["access_token"]), staff, admin_headers):
        assert client.get(cart(code), headers=headers).status_code == 401
        response = client.post(
            f"{cart(code)}/lines", json={"sku": sku, "quantity": 1}, headers=headers
        )
        assert response.status_code == 401, response.text
    assert orion.platform.head() == head


def test_closed_or_unknown_shops_have_no_cart(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    sku = on_sale(api, orion, store["id"])
    token = add(client, store["code"], sku, 1)["cart_token"]
    assert client.get(cart("no-such-shop")).status_code == 404
    suspended = api.post(
        f"/api/v1/admin/stores/{store['id']}/suspend", {"reason": "unpaid invoices"}
    )
    assert suspended.status_code == 200, suspended.text
    assert client.get(cart(store["code"]), headers={TOKEN: token}).status_code == 404
    response = client.post(
        f"{cart(store['code'])}/lines", json={"sku": sku, "quantity": 1}, headers={TOKEN: token}
    )
    assert response.status_code == 404


# -- the abandoned-cart figure --------------------------------------------------------------


class StepClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC) - timedelta(days=3)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, TestClient, StepClock]]:
    clock = StepClock()
    instance = bootstrap(settings, clock=clock)
    try:
        with TestClient(create_app(instance, run_projections=True)) as test_client:
            yield instance, test_client, clock
    finally:
        instance.close()


def abandoned(
    client: TestClient, store_id: str, headers: dict[str, str], position: int, **params: Any
) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/stores/{store_id}/carts/abandoned",
        params={"min_position": position, **params},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Orion-Consistent"] == "true"
    body: dict[str, Any] = response.json()
    return body


def test_abandoned_carts(
    clocked: tuple[Orion, TestClient, StepClock], admin_headers: dict[str, str]
) -> None:
    orion, client, clock = clocked
    api = Api(client, admin_headers)
    store, other = api.create_store(), api.create_store()
    code, store_id = store["code"], store["id"]
    sku = on_sale(api, orion, store_id, amount=1500, stock=20)
    rate = api.post(
        f"/api/v1/stores/{store_id}/shipping-rates",
        {"name": "Post", "kind": "flat", "amount": 500},
        expect=201,
    ).json()

    # Yesterday (26 hours ago): three carts. One is left, one is emptied, one checked out.
    left = add(client, code, sku, 2)
    emptied = add(client, code, sku, 1)["cart_token"]
    client.delete(cart(code), headers={TOKEN: emptied})
    bought = add(client, code, sku, 1)["cart_token"]
    orion.checkout.place(
        CommandContext(actor="test", idempotency_key="checkout-1"),
        UUID(store_id),
        orion.carts.ref_from_token(bought),
        CheckoutDetails(
            shipping_rate_id=UUID(rate["rate_id"]),
            payment_method="manual",
            email="guest@example.org",
            shipping_address={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "line1": "1 Rue Haute",
                "city": "Luxembourg",
                "postal_code": "L-1111",
                "country": "LU",
            },
        ),
    )
    # A guest cart merged into a customer's at sign-in.
    email = random_email()
    register(client, code, email)
    merged = add(client, code, sku, 4)["cart_token"]
    signed_in = client.post(
        f"/api/v1/shop/{code}/account/login",
        json={"email": email, "password": "correct horse battery"},
        headers={TOKEN: merged},
    )
    assert signed_in.status_code == 200
    # Another shop's idle cart never counts here.
    add(client, other["code"], on_sale(api, orion, other["id"], amount=99), 1)

    clock.advance(timedelta(hours=26))
    # Recent: a cart touched now is not abandoned.
    fresh = add(client, code, sku, 3)
    staff = member_for(orion, store_id, "viewer")  # orders:read is enough

    figures = abandoned(client, store_id, staff, fresh["position"])
    # The left cart (2 x 1500) and the customer's cart (4 merged in, 26 hours ago).
    assert figures["count"] == 2 and figures["value"] == 2 * 1500 + 4 * 1500
    assert figures["item_count"] == 6 and figures["currency"] == "EUR"
    assert figures["idle_hours"] == 24
    assert abandoned(client, store_id, staff, fresh["position"], idle_hours=48)["count"] == 0
    everything = abandoned(client, store_id, staff, fresh["position"], idle_hours=1)
    assert everything["count"] == 2  # the fresh cart is a few seconds old at most: not idle

    rows = {
        name: queries.get_cart(orion.read, UUID(str(cart_id)))
        for name, cart_id in (
            ("left", left["id"]),
            ("emptied", orion.carts.ref_from_token(emptied).cart_id),
            ("bought", orion.carts.ref_from_token(bought).cart_id),
            ("merged", orion.carts.ref_from_token(merged).cart_id),
        )
    }
    statuses = {name: row["status"] if row else None for name, row in rows.items()}
    assert statuses == {
        "left": "active",
        "emptied": "empty",
        "bought": "checked_out",
        "merged": "merged",
    }
    bought_row = rows["bought"]
    assert bought_row is not None and bought_row["order_id"] is not None
    assert bought_row["item_count"] == 0 and bought_row["checked_out_at"] is not None

    # After a rebuild from the log, the same figure.
    orion.projections.request_rebuild("carts")
    while orion.projections.status("carts").state == "rebuilding":
        orion.projections.run_once(["carts"])
    orion.read.registry.set_live("carts", orion.projections.status("carts").generation)
    rebuilt = abandoned(client, store_id, staff, fresh["position"])
    assert (rebuilt["count"], rebuilt["value"]) == (figures["count"], figures["value"])


def test_abandoned_carts_are_the_team_s_business(
    client: TestClient, api: Api, orion: Orion, store: dict[str, Any]
) -> None:
    path = f"/api/v1/stores/{store['id']}/carts/abandoned"
    customer = register(client, store["code"], random_email())
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer(customer["access_token"])).status_code == 404
    outsider = member_for(orion, api.create_store()["id"], "owner")
    assert client.get(path, headers=outsider).status_code == 404
    viewer = member_for(orion, store["id"], "viewer")
    for bad in (0, -1, 24 * 366, "soon"):
        response = client.get(path, params={"idle_hours": bad}, headers=viewer)
        assert field_error(response)[0] == "idle_hours"
