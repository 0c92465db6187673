"""The demo data does what the README says: a guest finds a product, a rate, and buys it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from interfaces.bootstrap import Orion
from interfaces.demo import load_demo


def test_a_guest_can_buy_in_the_demo_shop(client: TestClient, orion: Orion) -> None:
    load_demo(orion)
    position = orion.platform.head()
    found = client.get("/api/v1/shop/acme/products", params={"q": "wool", "min_position": position})
    assert found.status_code == 200, found.text
    sku = found.json()["items"][0]["variants"][0]["sku"]
    rates = client.get("/api/v1/shop/acme/shipping-rates", params={"country": "LU"}).json()
    added = client.post("/api/v1/shop/acme/cart/lines", json={"sku": sku, "quantity": 1})
    assert added.status_code == 201, added.text
    placed = client.post(
        "/api/v1/shop/acme/checkout",
        json={
            "shipping_rate_id": rates["rates"][0]["rate_id"],
            "payment_method": "manual",
            "email": "ada@example.org",
            "shipping_address": {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "line1": "1 Rue du Marché",
                "city": "Luxembourg",
                "postal_code": "L-1111",
                "country": "LU",
            },
        },
        headers={"X-Cart-Token": added.json()["cart_token"], "Idempotency-Key": "demo-order-1"},
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["order_number"] == "ACME-000001"
    # Luxembourg's VAT, which the price includes.
    tax = placed.json()["tax"]
    assert tax["regime"] == "domestic" and tax["prices_include_vat"] is True
    assert tax["gross"] == placed.json()["totals"]["total"]
    assert tax["vat"] == placed.json()["totals"]["tax"] > 0
