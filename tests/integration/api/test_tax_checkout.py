"""VAT at checkout and in the cart, through HTTP: a Luxembourg order's ``totals.tax`` is the VAT
its prices hold, a business buyer in another member state (checked at the local VIES) is sold
to at 0% with the reverse-charge mention, the cart shows an estimate for the store's country or
the customer's, and the EUR 10,000 threshold is crossed through the tax read model's figure of
the store's orders."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.tax.app import FIGURES_KEPT
from domain.tax.rounding import vat_in_gross
from interfaces.bootstrap import Orion
from interfaces.settings import Settings
from projections.tax.queries import cross_border_sales
from tests.builders import wait_for
from tests.fakes.vies_server import FakeVies
from tests.integration.api.test_shop_account import address, bearer, register
from tests.integration.api.test_tax import (
    ADMIN,
    DE_NUMBER,
    FR_NUMBER,
    LU_NUMBER,
    asking,
    local_vies,
    open_store,
)

BOOK, TEA = "BOOK-1", "TEA-1"
PRICES = {BOOK: 1_030, TEA: 1_170}
SHIPPING = 490


@pytest.fixture
def vies() -> Iterator[FakeVies]:
    with local_vies() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, vies: FakeVies) -> Settings:
    return asking(settings, vies)


@dataclass(frozen=True)
class Shop:
    id: UUID
    code: str
    rate_id: UUID

    @property
    def checkout(self) -> str:
        return f"/api/v1/shop/{self.code}/checkout"

    @property
    def cart(self) -> str:
        return f"/api/v1/shop/{self.code}/cart"


@pytest.fixture
def shop(orion: Orion) -> Shop:
    """A Luxembourg shop with its VAT number, checking buyers' numbers at VIES: books (3% at
    home) and tea (17%), prices with VAT, a flat rate to everywhere."""
    store_id, code = open_store(orion)
    orion.tax.change_settings(ADMIN, store_id, {"vat_number": LU_NUMBER, "vies_check": True})
    for sku, category in ((BOOK, "books"), (TEA, "standard")):
        made = orion.catalog.create_product(
            ADMIN,
            store_id,
            title=sku,
            tax_category=category,
            variants=[{"sku": sku, "price": {"amount": PRICES[sku], "currency": "EUR"}}],
        )
        orion.catalog.publish(ADMIN, store_id, made.id)
        orion.inventory.receive(ADMIN, store_id, sku=sku, quantity=100)
    _, rate_id = orion.shipping.set_rate(
        ADMIN, store_id, spec={"name": "Post", "kind": "flat", "amount": SHIPPING}
    )
    return Shop(store_id, code, rate_id)


def guest_cart(client: TestClient, shop: Shop, lines: dict[str, int]) -> str:
    token = ""
    for sku, quantity in lines.items():
        headers = {"X-Cart-Token": token} if token else {}
        added = client.post(
            f"{shop.cart}/lines", json={"sku": sku, "quantity": quantity}, headers=headers
        )
        assert added.status_code == 201, added.text
        token = token or added.json()["cart_token"]
    return token


def check_out(
    client: TestClient,
    shop: Shop,
    lines: dict[str, int],
    *,
    country: str = "LU",
    billing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    token = guest_cart(client, shop, lines)
    body = {
        "shipping_rate_id": str(shop.rate_id),
        "payment_method": "manual",
        "email": "buyer@example.org",
        "shipping_address": address(country=country),
    }
    if billing is not None:
        body["billing_address"] = billing
    response = client.post(
        shop.checkout,
        json=body,
        headers={"X-Cart-Token": token, "Idempotency-Key": f"tax-{secrets.token_hex(6)}"},
    )
    assert response.status_code == 201, response.text
    placed: dict[str, Any] = response.json()
    return placed


def test_a_luxembourg_order_s_tax_is_the_vat_its_prices_hold(
    client: TestClient, shop: Shop
) -> None:
    placed = check_out(client, shop, {BOOK: 2, TEA: 1})

    # Shipping shared by the lines' amounts: 177 at 17%, 313 at 3%.
    tea, books = 1_170 + 177, 2 * 1_030 + 313
    vat_tea, vat_books = vat_in_gross(tea, Decimal(17)), vat_in_gross(books, Decimal(3))
    assert placed["totals"] == {
        "subtotal": 2 * 1_030 + 1_170,
        "shipping": SHIPPING,
        "discount": 0,
        "tax": vat_tea + vat_books,
        "total": 2 * 1_030 + 1_170 + SHIPPING,  # what the shopper saw
    }
    assert placed["tax"] == {
        "regime": "domestic",
        "prices_include_vat": True,
        "breakdown": [
            {"rate": "17", "taxable": tea - vat_tea, "vat": vat_tea},
            {"rate": "3", "taxable": books - vat_books, "vat": vat_books},
        ],
        "net": tea + books - vat_tea - vat_books,
        "vat": vat_tea + vat_books,
        "gross": tea + books,
        "mentions": [],
    }
    assert placed["payment"]["amount"] == placed["totals"]["total"]


def test_a_business_buyer_in_another_state_is_sold_to_at_zero_with_the_mention(
    client: TestClient, orion: Orion, shop: Shop, vies: FakeVies
) -> None:
    billing = address(country="DE", company="Beispiel GmbH", vat_number="DE 136 695 976")

    placed = check_out(client, shop, {TEA: 2}, country="DE", billing=billing)

    assert vies.asked == [DE_NUMBER]
    gross = 2 * 1_170 + SHIPPING
    net = gross - vat_in_gross(gross, Decimal(17))  # the price less Luxembourg's VAT
    assert placed["tax"] == {
        "regime": "intra_eu_b2b",
        "prices_include_vat": True,
        "breakdown": [{"rate": "0", "taxable": net, "vat": 0}],
        "net": net,
        "vat": 0,
        "gross": net,
        "mentions": ["reverse_charge"],
    }
    assert placed["totals"]["tax"] == 0 and placed["totals"]["total"] == net
    # Both numbers are kept on the order, for its invoice.
    kept = orion.orders.get(shop.id, UUID(placed["order_id"])).tax
    assert kept is not None
    assert (kept["seller_vat_number"], kept["buyer_vat_number"]) == (LU_NUMBER, DE_NUMBER)
    # So is VIES's answer, with its consultation number: the proof of the 0% supply.
    proof = kept["vat_check"]
    assert (proof["number"], proof["valid"]) == (DE_NUMBER, True)
    assert proof["request_identifier"]


def test_a_number_vies_does_not_know_pays_the_vat(
    client: TestClient, orion: Orion, shop: Shop, vies: FakeVies
) -> None:
    billing = address(country="FR", company="Exemple SA", vat_number=FR_NUMBER)

    placed = check_out(client, shop, {TEA: 1}, country="FR", billing=billing)

    assert vies.asked == [FR_NUMBER]
    assert placed["tax"]["regime"] == "eu_b2c_origin" and placed["tax"]["mentions"] == []
    proof = orion.orders.get(shop.id, UUID(placed["order_id"])).tax
    assert proof is not None and proof["vat_check"]["valid"] is False
    assert placed["totals"]["tax"] == vat_in_gross(1_170 + SHIPPING, Decimal(17))


def test_the_threshold_is_crossed_through_the_store_s_orders(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    # EUR 9,970 of distance sales this year before Orion: EUR 30 left.
    orion.tax.change_settings(
        ADMIN, shop.id, {"cross_border_b2c_sales": {"current_year_before_orion": 997_000}}
    )
    first = check_out(client, shop, {TEA: 2}, country="BE")  # 2830 with VAT: 2419 net
    assert first["tax"]["regime"] == "eu_b2c_origin"
    assert first["tax"]["breakdown"][0]["rate"] == "17"
    kept = orion.orders.get(shop.id, UUID(first["order_id"])).tax
    assert kept is not None
    year = date.fromisoformat(kept["supply_date"]).year
    # The tax read model counts it (the next sale is judged on its figure).
    wait_for(lambda: cross_border_sales(orion.read, shop.id, year)[1] == first["tax"]["net"])
    time.sleep(FIGURES_KEPT.total_seconds())  # the figure checkout read before the first order

    crossing = check_out(client, shop, {TEA: 2}, country="BE")

    assert crossing["tax"]["regime"] == "eu_b2c_destination"
    assert crossing["tax"]["breakdown"][0]["rate"] == "21"  # Belgium's
    wait_for(
        lambda: (
            cross_border_sales(orion.read, shop.id, year)
            == (0, first["tax"]["net"] + crossing["tax"]["net"])
        )
    )
    # A cancelled order comes off the figure.
    orion.orders.cancel(ADMIN, shop.id, UUID(first["order_id"]), reason="changed my mind")
    wait_for(lambda: cross_border_sales(orion.read, shop.id, year) == (0, crossing["tax"]["net"]))


# -- the cart's estimate -------------------------------------------------------------------------


def test_a_guest_s_cart_shows_the_vat_of_the_store_s_country(
    client: TestClient, shop: Shop
) -> None:
    token = guest_cart(client, shop, {BOOK: 2, TEA: 1})

    seen = client.get(shop.cart, headers={"X-Cart-Token": token})

    assert seen.status_code == 200, seen.text
    vat_tea, vat_books = vat_in_gross(1_170, Decimal(17)), vat_in_gross(2_060, Decimal(3))
    assert seen.json()["tax_estimate"] == {
        "estimate": True,
        "country": "LU",
        "regime": "domestic",
        "prices_include_vat": True,
        "breakdown": [
            {"rate": "17", "taxable": 1_170 - vat_tea, "vat": vat_tea},
            {"rate": "3", "taxable": 2_060 - vat_books, "vat": vat_books},
        ],
        "net": 3_230 - vat_tea - vat_books,
        "vat": vat_tea + vat_books,
        "gross": 3_230,
        "mentions": [],
    }
    empty = client.get(shop.cart)
    assert empty.status_code == 200 and empty.json()["tax_estimate"] is None


def test_a_customer_s_cart_shows_the_vat_of_their_default_shipping_country(
    client: TestClient, orion: Orion, shop: Shop
) -> None:
    made = register(client, shop.code, f"ada.{secrets.token_hex(4)}@example.org")
    headers = bearer(made["access_token"])
    saved = client.post(
        f"/api/v1/shop/{shop.code}/account/me/addresses",
        json=address(country="FR", city="Metz", postal_code="57000"),
        headers=headers,
    )
    assert saved.status_code == 201, saved.text
    added = client.post(f"{shop.cart}/lines", json={"sku": BOOK, "quantity": 1}, headers=headers)
    assert added.status_code == 201, added.text
    orion.tax.change_settings(ADMIN, shop.id, {"oss_opt_in": True})

    estimate = client.get(shop.cart, headers=headers).json()["tax_estimate"]

    # At destination (OSS): a book in France is 5.5%.
    assert estimate["country"] == "FR" and estimate["regime"] == "eu_b2c_destination"
    assert estimate["breakdown"] == [
        {"rate": "5.5", "taxable": 1_030 - vat_in_gross(1_030, Decimal("5.5")), "vat": 54}
    ]
