"""The storefront checkout through HTTP: guests and customers, order numbers, payment
instructions, short lines, checkout holds, idempotency, bad input and other shops' carts.

The shop (store, published products, stock, a shipping rate) is set up through the services;
carts through the cart API or the cart service; the checkout itself always through HTTP.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.cart.app import CartRef
from application.context import CommandContext
from domain.cart.aggregates import Cart
from domain.inventory.errors import InsufficientStockError
from domain.orders.aggregates import Order
from domain.shared.topics import topic
from domain.tax.rounding import vat_in_gross
from interfaces.bootstrap import Orion
from tests.integration.api.test_shop_account import address, bearer, field_error, register

ADMIN = CommandContext(actor="platform_admin:test")
SHOPPER = CommandContext(actor="anonymous:-")
PLACED_TOPIC = topic(Order.Placed)
PRICES = (1999, 2500, 750)
SHIPPING = 490


@dataclass(frozen=True)
class Shop:
    id: UUID
    code: str
    skus: tuple[str, ...]
    rate_id: UUID

    @property
    def checkout(self) -> str:
        return f"/api/v1/shop/{self.code}/checkout"

    @property
    def cart(self) -> str:
        return f"/api/v1/shop/{self.code}/cart"


def open_shop(orion: Orion, *, stock: int = 10, code: str | None = None) -> Shop:
    """A store with one published product of three variants, ``stock`` of each, and a flat
    shipping rate for everywhere."""
    code = code or f"co{secrets.token_hex(4)}"
    store_id = orion.stores.register(
        ADMIN, code=code, name="Checkout Shop", country="LU", currency="EUR", locale="fr_LU"
    ).id
    skus = tuple(f"{code.upper()}-{i}" for i in range(len(PRICES)))
    product = orion.catalog.create_product(
        ADMIN,
        store_id,
        title="Wool socks",
        variants=[
            {
                "sku": sku,
                "price": {"amount": price, "currency": "EUR"},
                "attributes": {"size": str(36 + i)},
            }
            for i, (sku, price) in enumerate(zip(skus, PRICES, strict=True))
        ],
    )
    orion.catalog.publish(ADMIN, store_id, product.id)
    for sku in skus:
        if stock:
            orion.inventory.receive(ADMIN, store_id, sku=sku, quantity=stock)
    _, rate_id = orion.shipping.set_rate(
        ADMIN, store_id, spec={"name": "Standard", "kind": "flat", "amount": SHIPPING}
    )
    return Shop(store_id, code, skus, rate_id)


def guest_cart(orion: Orion, shop: Shop, lines: dict[str, int]) -> str:
    """A guest cart holding ``lines`` (sku: quantity), made through the cart service; its token."""
    cart_id: UUID | None = None
    for sku, quantity in lines.items():
        result = orion.carts.add(
            SHOPPER, shop.id, CartRef(cart_id=cart_id), sku=sku, quantity=quantity
        )
        cart_id = result.id
    assert cart_id is not None
    return orion.carts.token_for(cart_id)


def guest_body(shop: Shop, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shipping_rate_id": str(shop.rate_id),
        "payment_method": "manual",
        "email": "Guest.Shopper@Example.org",
        "shipping_address": address(),
    }
    body.update(extra)
    return body


def key() -> str:
    return f"checkout-{secrets.token_hex(8)}"


def placed_orders(orion: Orion) -> list[UUID]:
    """The ids of every order placed, read from the event log itself."""
    found = orion.app.recorder.select_notifications(1, 100_000, topics=[PLACED_TOPIC])
    return [n.originator_id for n in found]


def available(orion: Orion, shop: Shop, sku: str) -> int:
    return orion.inventory.available(shop.id, sku, orion.platform.clock.now())


@pytest.fixture
def shop(orion: Orion) -> Shop:
    return open_shop(orion)


# -- guests -----------------------------------------------------------------------------------


def test_guest_checkout_places_a_numbered_order_reserving_stock_and_emptying_the_cart(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    a, b, _ = shop.skus
    token = guest_cart(orion, shop, {a: 2, b: 1})
    response = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": token, "Idempotency-Key": key()},
    )
    assert response.status_code == 201, response.text
    placed = response.json()
    assert placed["order_number"] == f"{shop.code.upper()}-000001"
    assert placed["id"] == placed["order_id"]
    assert placed["status"] == "pending_payment"
    assert placed["currency"] == "EUR"
    subtotal = 2 * PRICES[0] + PRICES[1]
    # A Luxembourg shop with the default settings: its prices include VAT (17% standard).
    vat = vat_in_gross(subtotal + SHIPPING, Decimal(17))
    assert placed["totals"] == {
        "subtotal": subtotal,
        "shipping": SHIPPING,
        "discount": 0,
        "tax": vat,
        "total": subtotal + SHIPPING,
    }
    assert placed["tax"]["regime"] == "domestic"
    assert placed["tax"]["breakdown"] == [
        {"rate": "17", "taxable": subtotal + SHIPPING - vat, "vat": vat}
    ]
    assert placed["payment_method"] == "manual"
    assert placed["payment"]["kind"] == "bank_transfer"
    assert placed["payment"]["amount"] == subtotal + SHIPPING
    assert placed["payment"]["reference"].startswith("ORDER-")
    assert placed["payment_due_at"] is not None
    assert placed["position"] > 0 and placed["version"] == 1
    assert response.headers["ETag"] == '"1"'

    # The stock is reserved for the order, the cart is empty, the contact is sealed in it.
    assert available(orion, shop, a) == 8 and available(orion, shop, b) == 9
    cart = client.get(shop.cart, headers={"X-Cart-Token": token})
    assert cart.status_code == 200, cart.text
    assert cart.json()["lines"] == []
    order = orion.orders.get(shop.id, UUID(placed["order_id"]))
    assert order.customer_id is None
    contact = orion.orders.contact(order)
    assert contact is not None and contact["email"] == "guest.shopper@example.org"
    assert contact["billing_address"] == contact["shipping_address"]

    # The next order of the shop takes the next number.
    second = client.post(
        shop.checkout,
        json=guest_body(shop, payment_method="cash_on_delivery"),
        headers={"X-Cart-Token": guest_cart(orion, shop, {a: 1}), "Idempotency-Key": key()},
    )
    assert second.status_code == 201, second.text
    assert second.json()["order_number"] == f"{shop.code.upper()}-000002"
    # Cash on delivery waits for no payment: the store prepares the parcel at once.
    assert second.json()["status"] == "processing"
    assert second.json()["payment"]["kind"] == "cash_on_delivery"
    assert second.json()["payment_due_at"] is None


# -- customers --------------------------------------------------------------------------------


def test_customer_checks_out_their_own_cart_to_a_saved_address(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    email = f"ada.{secrets.token_hex(4)}@example.org"
    made = register(client, shop.code, email)
    headers = bearer(made["access_token"])
    account = f"/api/v1/shop/{shop.code}/account"
    added = client.post(f"{account}/me/addresses", json=address(), headers=headers)
    assert added.status_code == 201, added.text
    address_id = added.json()["address_id"]
    line = client.post(
        f"{shop.cart}/lines", json={"sku": shop.skus[1], "quantity": 2}, headers=headers
    )
    assert line.status_code == 201, line.text

    response = client.post(
        shop.checkout,
        json={
            "shipping_rate_id": str(shop.rate_id),
            "payment_method": "manual",
            "shipping_address_id": address_id,
        },
        headers={**headers, "Idempotency-Key": key()},
    )
    assert response.status_code == 201, response.text
    order = orion.orders.get(shop.id, UUID(response.json()["order_id"]))
    assert order.customer_id == UUID(made["account_id"])
    contact = orion.orders.contact(order)
    assert contact is not None and contact["email"] == email
    assert contact["shipping_address"]["line1"] == address()["line1"]
    assert client.get(shop.cart, headers=headers).json()["lines"] == []

    # Someone else's address id is refused, naming the field; nothing is written.
    client.post(f"{shop.cart}/lines", json={"sku": shop.skus[1], "quantity": 1}, headers=headers)
    head = orion.platform.head()
    refused = client.post(
        shop.checkout,
        json={
            "shipping_rate_id": str(shop.rate_id),
            "payment_method": "manual",
            "shipping_address_id": "00000000-0000-4000-8000-000000000000",
        },
        headers={**headers, "Idempotency-Key": key()},
    )
    assert field_error(refused)[0] == "shipping_address_id"
    assert orion.platform.head() == head


def test_who_may_check_out(
    client: TestClient, orion: Orion, shop: Shop, admin_headers: dict[str, str]
) -> None:
    other = open_shop(orion)
    elsewhere = guest_cart(orion, other, {other.skus[0]: 1})
    mine = guest_cart(orion, shop, {shop.skus[0]: 1})
    foreigner = register(client, other.code, f"bob.{secrets.token_hex(4)}@example.org")
    body = guest_body(shop)
    head = orion.platform.head()
    attempts = {
        # Nobody: no cart to buy.
        401: [{}, {"X-Cart-Token": "abc.def"}],
        404: [{"X-Cart-Token": elsewhere}],  # another shop's cart is not found here
    }
    # Another shop's customer is not signed in here, and staff are not shoppers.
    attempts[401] += [bearer(foreigner["access_token"]), {**admin_headers, "X-Cart-Token": mine}]
    for status, header_sets in attempts.items():
        for headers in header_sets:
            response = client.post(
                shop.checkout, json=body, headers={**headers, "Idempotency-Key": key()}
            )
            assert response.status_code == status, (headers, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    # An unknown shop is not found, whoever asks and whatever they send.
    for headers, sent in [
        ({"X-Cart-Token": mine, "Idempotency-Key": key()}, body),
        ({}, body),
        ({**admin_headers, "X-Cart-Token": mine}, body),
        ({"X-Cart-Token": mine}, {"payment_method": 3}),
    ]:
        missing = client.post("/api/v1/shop/no-such-shop/checkout", json=sent, headers=headers)
        assert missing.status_code == 404, (headers, missing.text)
    assert orion.platform.head() == head
    assert placed_orders(orion) == []


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"shipping_rate_id": "not-a-uuid"}, "shipping_rate_id"),
        ({"shipping_rate_id": "00000000-0000-4000-8000-000000000000"}, "shipping_rate_id"),
        ({"email": None}, "email"),
        ({"email": "not an e-mail"}, "email"),
        ({"shipping_address": None}, "shipping_address"),
        ({"shipping_address": address(country="XX")}, "shipping_address.country"),
        ({"shipping_address": {**address(), "line1": ""}}, "shipping_address.line1"),
        ({"billing_address": address(vat_number="LU15027443")}, "billing_address.vat_number"),
        ({"billing_address_id": "00000000-0000-4000-8000-000000000000"}, "billing_address_id"),
        ({"shipping_address_id": "00000000-0000-4000-8000-000000000000"}, "shipping_address"),
        ({"gift_wrap": True}, "gift_wrap"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, orion: Orion, shop: Shop, change: dict[str, Any], field: str
) -> None:
    token = guest_cart(orion, shop, {shop.skus[0]: 1})
    head = orion.platform.head()
    response = client.post(
        shop.checkout,
        json={**guest_body(shop), **change},
        headers={"X-Cart-Token": token, "Idempotency-Key": key()},
    )
    assert field_error(response)[0] == field
    assert orion.platform.head() == head
    assert available(orion, shop, shop.skus[0]) == 10


def test_idempotency_key_is_required(client: TestClient, orion: Orion, shop: Shop) -> None:
    token = guest_cart(orion, shop, {shop.skus[0]: 1})
    head = orion.platform.head()
    response = client.post(shop.checkout, json=guest_body(shop), headers={"X-Cart-Token": token})
    name, message = field_error(response)
    assert name == "Idempotency-Key" and "required" in message
    too_long = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": token, "Idempotency-Key": "k" * 300},
    )
    assert field_error(too_long)[0] == "Idempotency-Key"
    assert orion.platform.head() == head
    assert placed_orders(orion) == []


def test_an_empty_cart_is_a_conflict(client: TestClient, orion: Orion, shop: Shop) -> None:
    token = guest_cart(orion, shop, {shop.skus[0]: 1})
    headers = {"X-Cart-Token": token}
    cleared = client.delete(shop.cart, headers=headers)
    assert cleared.status_code == 200, cleared.text
    head = orion.platform.head()
    response = client.post(
        shop.checkout, json=guest_body(shop), headers={**headers, "Idempotency-Key": key()}
    )
    assert response.status_code == 409, response.text
    assert "empty" in response.json()["detail"]
    assert orion.platform.head() == head


# -- short lines ------------------------------------------------------------------------------


def test_short_lines_are_a_409_naming_each_and_nothing_is_reserved(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    a, b, c = shop.skus
    token = guest_cart(orion, shop, {a: 3, b: 4, c: 1})
    # Since the lines went into the cart, stock was lost and others bought.
    orion.inventory.adjust(ADMIN, shop.id, sku=a, delta=-8, reason="damage")
    guest_cart_b = guest_cart(orion, shop, {b: 7})
    ok = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": guest_cart_b, "Idempotency-Key": key()},
    )
    assert ok.status_code == 201, ok.text
    head = orion.platform.head()
    response = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": token, "Idempotency-Key": key()},
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/insufficient_stock")
    assert problem["lines"] == [
        {"sku": a, "requested": 3, "available": 2},
        {"sku": b, "requested": 4, "available": 3},
    ]
    assert a in problem["detail"] and b in problem["detail"]
    assert orion.platform.head() == head
    assert (available(orion, shop, a), available(orion, shop, b), available(orion, shop, c)) == (
        2,
        3,
        10,
    )
    # The cart is kept as it was: the shopper can lower the quantities and try again.
    lines = client.get(shop.cart, headers={"X-Cart-Token": token}).json()["lines"]
    assert {line["sku"]: line["quantity"] for line in lines} == {a: 3, b: 4, c: 1}


# -- idempotency ------------------------------------------------------------------------------


def test_a_retried_checkout_answers_the_first_order_and_makes_no_second(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    token = guest_cart(orion, shop, {shop.skus[0]: 2})
    headers = {"X-Cart-Token": token, "Idempotency-Key": key()}
    first = client.post(shop.checkout, json=guest_body(shop), headers=headers)
    assert first.status_code == 201, first.text
    head = orion.platform.head()
    again = client.post(shop.checkout, json=guest_body(shop), headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["order_id"] == first.json()["order_id"]
    assert again.json()["order_number"] == first.json()["order_number"]
    assert again.json()["payment"] == first.json()["payment"]
    assert orion.platform.head() == head
    assert placed_orders(orion) == [UUID(first.json()["order_id"])]
    assert available(orion, shop, shop.skus[0]) == 8

    # The same key with another body is refused; so is the same key from another guest's cart
    # only in that it is theirs: it places their own order.
    other = client.post(
        shop.checkout, json=guest_body(shop, payment_method="cash_on_delivery"), headers=headers
    )
    assert field_error(other)[0] == "Idempotency-Key"
    theirs = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={
            "X-Cart-Token": guest_cart(orion, shop, {shop.skus[1]: 1}),
            "Idempotency-Key": headers["Idempotency-Key"],
        },
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["order_id"] != first.json()["order_id"]
    assert len(placed_orders(orion)) == 2


def test_a_replay_after_the_order_moved_on_answers_as_the_first_time(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    """The README promises that a replay returns the first answer: not the order as it is now."""
    token = guest_cart(orion, shop, {shop.skus[0]: 1})
    headers = {"X-Cart-Token": token, "Idempotency-Key": key()}
    first = client.post(shop.checkout, json=guest_body(shop), headers=headers)
    assert first.status_code == 201, first.text
    order_id = UUID(first.json()["order_id"])
    total = first.json()["totals"]["total"]
    orion.orders.record_payment(ADMIN, shop.id, order_id, amount=total)
    assert orion.orders.get(shop.id, order_id).status == "paid"

    again = client.post(shop.checkout, json=guest_body(shop), headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    answer, was = again.json(), first.json()
    for field in ("order_id", "version", "status", "totals", "payment", "payment_due_at"):
        assert answer[field] == was[field], field
    assert was["status"] == "pending_payment"


# -- checkout holds ---------------------------------------------------------------------------


def test_start_holds_nothing_unless_the_store_wants_it(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    token = guest_cart(orion, shop, {shop.skus[0]: 2})
    head = orion.platform.head()
    started = client.post(f"{shop.checkout}/start", headers={"X-Cart-Token": token})
    assert started.status_code == 200, started.text
    assert started.json()["hold"] is None
    assert orion.platform.head() == head
    assert available(orion, shop, shop.skus[0]) == 10


def test_start_holds_the_stock_for_the_cart_until_checkout(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    a = shop.skus[0]
    orion.commerce.change_settings(ADMIN, shop.id, {"checkout_hold_minutes": 15})
    token = guest_cart(orion, shop, {a: 6})
    before = datetime.now().astimezone()
    started = client.post(f"{shop.checkout}/start", headers={"X-Cart-Token": token})
    assert started.status_code == 200, started.text
    expires = datetime.fromisoformat(started.json()["hold"]["expires_at"])
    assert (
        before + timedelta(minutes=14)
        < expires
        <= datetime.now().astimezone() + timedelta(minutes=15)
    )
    assert started.json()["position"] > 0
    # Held for this cart: others see only what is left.
    assert available(orion, shop, a) == 4
    with pytest.raises(InsufficientStockError, match="only 4 left"):
        guest_cart(orion, shop, {a: 5})
    rival = guest_cart(orion, shop, {a: 4})

    # A rival cannot take the held units ...
    too_many = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": guest_cart_over(orion, shop, rival, a), "Idempotency-Key": key()},
    )
    assert too_many.status_code == 409, too_many.text
    assert too_many.json()["lines"] == [{"sku": a, "requested": 5, "available": 4}]
    # ... while the cart that holds them checks out with them: the hold becomes the order's.
    placed = client.post(
        shop.checkout,
        json=guest_body(shop),
        headers={"X-Cart-Token": token, "Idempotency-Key": key()},
    )
    assert placed.status_code == 201, placed.text
    item = orion.inventory.items(shop.id, a)[0]
    assert item.reservations == {
        placed.json()["order_id"]: {
            "quantity": 6,
            "order_id": UUID(placed.json()["order_id"]),
            "expires_at": None,
        }
    }
    assert available(orion, shop, a) == 4

    # A replayed start answers the hold it made.
    again_token = guest_cart(orion, shop, {shop.skus[1]: 1})
    start_key = {"X-Cart-Token": again_token, "Idempotency-Key": key()}
    first = client.post(f"{shop.checkout}/start", headers=start_key)
    second = client.post(f"{shop.checkout}/start", headers=start_key)
    assert first.status_code == second.status_code == 200, second.text
    assert second.json()["hold"] == first.json()["hold"]


def guest_cart_over(orion: Orion, shop: Shop, token: str, sku: str) -> str:
    """The rival's cart, raised by one unit past what is available (as a stale cart would be):
    through the aggregate directly, since the cart service rightly refuses it."""
    ref = orion.carts.ref_from_token(token)
    assert ref.cart_id is not None
    cart = orion.platform.find(Cart, ref.cart_id)
    assert cart is not None
    line = cart.lines[sku]
    cart.change_quantity(sku=sku, quantity=int(line["quantity"]) + 1, at=orion.platform.clock.now())
    orion.app.save(cart)
    return token
