"""Invoices through HTTP, on both backends: a store's invoicing settings; an order paid in full
invoiced by the job, listed, seen in detail and downloaded as a PDF that pypdf reads back (the
number, both VAT numbers, each rate's figures, the mention); issued and credited by hand, with
the 409s that say why not; the customer's own invoice in the shop; an erased buyer masked; a
viewer reads and cannot write; another store's invoices do not exist; bad input is a 422
naming the field."""

from __future__ import annotations

import base64
import io
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from babel.numbers import format_currency, format_percent
from fastapi.testclient import TestClient
from pypdf import PdfReader

from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails, Placed
from interfaces.bootstrap import Orion
from tests.builders import Api, random_code, wait_for
from tests.integration.api.test_shop_account import bearer, field_error
from tests.integration.api.test_store_customers import key_for
from tests.unit.adapters.pdf.documents import png
from tests.unit.application.invoices.shop import BUYER_VAT, SELLER_VAT, EngineTax

CTX = CommandContext(actor="test:invoices")
SHIPPING = 490
PASSWORD = "correct horse battery"
BOOK, TEA = "BOOK-1", "TEA-1"
PRICES = {BOOK: 1000, TEA: 499}
SETTINGS: dict[str, Any] = {
    "legal_name": "Golden Books Sàrl",
    "address": {
        "line1": "12 rue de la Gare",
        "postal_code": "L-1611",
        "city": "Luxembourg",
        "country": "LU",
    },
    "registration_number": "B123456",
    "iban": "LU28 0019 4006 4475 0000",
    "bic": "BCEELULL",
    "payment_terms_days": 14,
    "series_prefix": "INV",
    "language": "en",
}


@dataclass
class Shop:
    store_id: UUID
    code: str
    rate_id: UUID

    def url(self, *rest: str) -> str:
        return "/".join([f"/api/v1/stores/{self.store_id}", *rest])


def open_shop(
    orion: Orion,
    api: Api | None,
    *,
    settings: dict[str, Any] | None = None,
    country: str = "LU",
) -> Shop:
    """A store selling a book (3% in LU) and tea (17%), taxed by the VAT engine at checkout,
    with its invoicing settings set (through the API, or the service without ``api``) unless
    ``settings`` is empty."""
    orion.checkout.tax = EngineTax()
    code = random_code("inv")
    store_id = orion.stores.register(
        CTX, code=code, name="Invoice shop", country=country, currency="EUR", locale="en"
    ).id
    for sku, category in ((BOOK, "books"), (TEA, "standard")):
        made = orion.catalog.create_product(
            CTX,
            store_id,
            title=f"Product {sku}",
            tax_category=category,
            variants=[
                {"sku": sku, "price": {"amount": PRICES[sku], "currency": "EUR"}, "attributes": {}}
            ],
        )
        orion.catalog.publish(CTX, store_id, made.id)
        orion.inventory.receive(CTX, store_id, sku=sku, quantity=500)
    _, rate_id = orion.shipping.set_rate(
        CTX, store_id, spec={"name": "Post", "kind": "flat", "amount": SHIPPING}
    )
    shop = Shop(store_id, code, rate_id)
    wanted = SETTINGS if settings is None else settings
    if wanted and api is not None:
        api.patch(shop.url("settings/invoicing"), wanted, expect=200)
    elif wanted:
        orion.invoicing.change_settings(CTX, store_id, dict(wanted))
    return shop


def address(**fields: Any) -> dict[str, Any]:
    return {
        "first_name": "Marie",
        "last_name": "Curie",
        "line1": "1 place du Panthéon",
        "city": "Paris",
        "postal_code": "75005",
        "country": "FR",
        **fields,
    }


def buy(
    orion: Orion,
    shop: Shop,
    lines: dict[str, int],
    *,
    customer_id: UUID | None = None,
    **where: Any,
) -> Placed:
    """A checkout of ``lines``, shipped and billed to Marie Curie in Paris unless ``where``
    says otherwise."""
    ref = CartRef(customer_id=customer_id) if customer_id else CartRef()
    for sku, quantity in lines.items():
        added = orion.carts.add(CTX, shop.store_id, ref, sku=sku, quantity=quantity)
        if ref.is_new_guest:
            ref = CartRef(cart_id=added.id)
    details = CheckoutDetails(
        shipping_rate_id=shop.rate_id,
        payment_method="manual",
        email=None if customer_id else f"guest.{secrets.token_hex(3)}@example.org",
        shipping_address=address(**where),
    )
    ctx = CommandContext(actor="test:shopper", idempotency_key=secrets.token_hex(8))
    return orion.checkout.place(ctx, shop.store_id, ref, details, customer_id=customer_id)


def pay(api: Api, shop: Shop, placed: Placed) -> None:
    body = {"amount": placed.order.total, "reference": "T-1"}
    api.post(shop.url("orders", str(placed.order_id), "payments"), body, expect=200)


def invoice_of(api: Api, shop: Shop, order_id: UUID) -> dict[str, Any]:
    """The order's invoice, once the job has issued it and the read model has it."""
    found: list[dict[str, Any]] = []

    def listed() -> bool:
        items = api.get(shop.url("invoices"), kind="invoice").json()["items"]
        found[:] = [i for i in items if i["order_id"] == str(order_id)]
        return bool(found)

    wait_for(listed, timeout=20)
    return found[0]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


# -- settings -----------------------------------------------------------------------------------


def test_invoicing_settings_read_change_and_refuse_bad_input(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api, settings={})
    url = shop.url("settings/invoicing")

    fresh = api.get(url).json()
    assert (fresh["version"], fresh["issue_on_payment"], fresh["legal_name"]) == (0, True, None)
    changed = api.patch(url, SETTINGS, expect=200, **{"If-Match": '"0"'})
    assert changed.headers["ETag"] == f'"{changed.json()["version"]}"'
    got = api.get(url)
    assert got.json()["iban"] == "LU280019400644750000"  # the compact form
    assert got.json()["address"]["country"] == "LU"
    assert got.headers["ETag"] == f'"{got.json()["version"]}"'

    stale = api.patch(url, {"footer": "Thanks"}, **{"If-Match": '"1"'})
    assert problem(stale, 412)["current_version"] == got.json()["version"]
    assert field_error(api.patch(url, {"iban": "LU00 0000"}))[0] == "iban"
    assert field_error(api.patch(url, {"colour": "red"}))[0] == "colour"
    assert field_error(api.patch(url, {"payment_terms_days": -1}))[0] == "payment_terms_days"
    assert field_error(api.patch(url, {"payment_terms_days": None}))[0] == "payment_terms_days"
    assert field_error(api.patch(url, {"language": "es"}))[0] == "language"
    assert field_error(api.patch(url, {"series_prefix": "A B"}))[0] == "series_prefix"
    assert field_error(api.patch(url, {"series_prefix": "CN"}))[0] == "series_prefix"
    assert field_error(api.patch(url, {"address": {"line1": "x"}}))[0].startswith("address.")
    assert field_error(api.patch(url, {"logo": "not base64!"}))[0] == "logo"
    not_an_image = base64.b64encode(b"GIF89a" + bytes(40)).decode()
    assert field_error(api.patch(url, {"logo": not_an_image}))[0] == "logo"
    assert field_error(api.patch(url, {}))[0] == "body"

    api.patch(url, {"logo": base64.b64encode(png()).decode()}, expect=200)
    assert api.get(url).json()["logo"].startswith(f"logo:{shop.store_id}:")
    api.patch(url, {"logo": None, "footer": None}, expect=200)
    assert api.get(url).json()["logo"] is None
    unknown = f"/api/v1/stores/{UUID(int=7)}/settings/invoicing"
    problem(api.get(unknown, expect=None), 404)
    problem(api.patch(unknown, {"footer": "x"}), 404)


# -- issued on payment, listed, seen, downloaded ------------------------------------------------


def test_a_paid_order_is_invoiced_listed_and_downloaded_as_a_pdf(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api)
    domestic = buy(orion, shop, {BOOK: 2, TEA: 3}, country="LU", postal_code="L-1234")
    business = buy(orion, shop, {TEA: 2}, company="Curie SA", vat_number=BUYER_VAT)
    pay(api, shop, domestic)
    pay(api, shop, business)

    first = invoice_of(api, shop, domestic.order_id)
    second = invoice_of(api, shop, business.order_id)
    year = first["issue_date"][:4]
    assert sorted([first["number"], second["number"]]) == [
        f"INV-{year}-000001",
        f"INV-{year}-000002",
    ]
    assert first["gross"] == domestic.order.total
    detail = api.get(shop.url("invoices", first["id"])).json()
    assert detail["regime"] == "domestic"
    assert {(b["rate"], b["taxable"], b["vat"]) for b in detail["breakdown"]} == {
        (b["rate"], b["taxable"], b["vat"]) for b in (domestic.order.tax or {})["breakdown"]
    }
    assert [line["key"] for line in detail["lines"]] == [BOOK, TEA]
    assert detail["seller_vat_number"] == SELLER_VAT
    assert detail["credit_notes"] == [] and detail["original_id"] is None

    # The domestic sale's PDF: its number, the seller's VAT number, each rate's figures.
    response = api.get(shop.url("invoices", first["id"], "pdf"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert first["number"] in text
    assert SELLER_VAT in text
    for entry in detail["breakdown"]:
        assert format_percent(Decimal(entry["rate"]) / 100, locale="en") in text
        for amount in (entry["taxable"], entry["vat"]):
            assert format_currency(Decimal(amount) / 100, "EUR", locale="en") in text
    assert "Marie Curie" in text
    # The business sale's PDF: both VAT numbers and the reverse-charge mention.
    text = pdf_text(api.get(shop.url("invoices", second["id"], "pdf")).content)
    assert SELLER_VAT in text and BUYER_VAT in text
    assert "Reverse charge" in text
    assert second["regime"] == "intra_eu_b2b" and second["vat"] == 0


def test_issued_and_credited_by_hand_with_the_409s_that_say_why_not(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api, settings={**SETTINGS, "issue_on_payment": False})
    placed = buy(orion, shop, {BOOK: 2, TEA: 1})
    pay(api, shop, placed)
    issue = shop.url("orders", str(placed.order_id), "invoice")

    made = api.post(issue, expect=201).json()
    assert made["kind"] == "invoice" and made["gross"] == placed.order.total
    assert made["invoice_id"] == made["id"]
    again = problem(api.post(issue), 409)
    assert again["type"].endswith("/already_invoiced")
    problem(api.post(shop.url("orders", str(UUID(int=5)), "invoice")), 404)

    credit = shop.url("invoices", made["invoice_id"], "credit-notes")
    note = api.post(
        credit, {"reason": "damaged", "lines": [{"key": BOOK, "quantity": 1}]}, expect=201
    ).json()
    assert note["kind"] == "credit_note" and note["number"].startswith("CN-")
    assert note["gross"] == -PRICES[BOOK]
    over = problem(api.post(credit, {"reason": "x", "lines": [{"key": BOOK, "quantity": 2}]}), 409)
    assert over["type"].endswith("/credit_exceeds_invoice") and over["left_to_credit"] == 1
    assert (
        field_error(api.post(credit, {"reason": "x", "lines": [{"key": "NOPE", "quantity": 1}]}))[0]
        == "lines[0].key"
    )
    assert (
        field_error(api.post(credit, {"reason": "x", "lines": [{"key": BOOK, "quantity": 0}]}))[0]
        == "lines[0].quantity"
    )
    assert field_error(api.post(credit, {"lines": []}))[0] == "reason"
    assert field_error(api.post(credit, {"reason": "x", "shipping": "yes"}))[0] == "shipping"
    credit_of_credit = shop.url("invoices", note["invoice_id"], "credit-notes")
    assert problem(api.post(credit_of_credit, {"reason": "x"}), 409)["type"].endswith(
        "/not_creditable"
    )
    rest = api.post(credit, {"reason": "all the rest"}, expect=201).json()

    detail = api.get(shop.url("invoices", made["invoice_id"]), min_position=rest["position"])
    body = detail.json()
    assert body["status"] == "credited"
    assert [n["number"] for n in body["credit_notes"]] == [note["number"], rest["number"]]
    cited = api.get(shop.url("invoices", rest["invoice_id"])).json()
    assert (cited["original_id"], cited["original_number"]) == (made["invoice_id"], made["number"])
    credited = api.get(shop.url("invoices"), kind="credit_note", status="issued").json()["items"]
    assert sorted(n["number"] for n in credited) == sorted([note["number"], rest["number"]])
    text = pdf_text(api.get(shop.url("invoices", note["invoice_id"], "pdf")).content)
    assert note["number"] in text and made["number"] in text  # it cites its invoice


def test_an_order_that_cannot_be_invoiced_is_a_409_that_says_why(orion: Orion, api: Api) -> None:
    unset = open_shop(orion, api, settings={})
    placed = buy(orion, unset, {BOOK: 1})
    refused = problem(api.post(unset.url("orders", str(placed.order_id), "invoice")), 409)
    assert refused["type"].endswith("/invoicing_not_set_up")
    assert refused["missing"] == ["legal_name", "address"]

    shop = open_shop(orion, api, settings={**SETTINGS, "issue_on_payment": False})
    cancelled = buy(orion, shop, {BOOK: 1})
    api.post(shop.url("orders", str(cancelled.order_id), "cancel"), {"reason": "no"}, expect=200)
    refused = problem(api.post(shop.url("orders", str(cancelled.order_id), "invoice")), 409)
    assert refused["type"].endswith("/order_not_invoiceable")


def test_the_customer_downloads_their_own_invoice_only(
    orion: Orion, api: Api, client: TestClient
) -> None:
    shop = open_shop(orion, api)
    ada = orion.customers.register(
        CTX, shop.store_id, email="ada@example.org", password=PASSWORD, first_name="Ada"
    )
    bob = orion.customers.register(
        CTX, shop.store_id, email="bob@example.org", password=PASSWORD, first_name="Bob"
    )
    mine = buy(orion, shop, {BOOK: 1}, customer_id=ada.account_id)
    guests = buy(orion, shop, {BOOK: 1})
    pay(api, shop, mine)
    pay(api, shop, guests)
    invoice = invoice_of(api, shop, mine.order_id)
    invoice_of(api, shop, guests.order_id)
    url = f"/api/v1/shop/{shop.code}/account/orders/{mine.order_id}/invoice"

    got = client.get(url, headers=bearer(ada.access_token))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert invoice["number"] in pdf_text(got.content)
    assert f'filename="{invoice["number"]}.pdf"' in got.headers["content-disposition"]
    problem(client.get(url, headers=bearer(bob.access_token)), 404)
    problem(client.get(url), 401)
    guest_url = f"/api/v1/shop/{shop.code}/account/orders/{guests.order_id}/invoice"
    problem(client.get(guest_url, headers=bearer(ada.access_token)), 404)
    other = open_shop(orion, api)
    problem(
        client.get(
            f"/api/v1/shop/{other.code}/account/orders/{mine.order_id}/invoice",
            headers=bearer(ada.access_token),
        ),
        401,  # her token is not signed in at another shop
    )

    # Erased, she is masked on the invoice; its figures stay.
    orion.customers.erase(CTX, shop.store_id, ada.account_id, by="customer")
    text = pdf_text(api.get(shop.url("invoices", invoice["id"], "pdf")).content)
    assert "Marie" not in text and "[erased]" in text
    assert invoice["number"] in text


def test_a_viewer_reads_invoices_and_cannot_issue_or_credit(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api, settings={**SETTINGS, "issue_on_payment": False})
    placed = buy(orion, shop, {TEA: 1})
    pay(api, shop, placed)
    made = api.post(shop.url("orders", str(placed.order_id), "invoice"), expect=201).json()
    viewer = Api(api.client, key_for(orion, str(shop.store_id), "viewer"))

    listed = viewer.get(shop.url("invoices"), min_position=made["position"]).json()["items"]
    assert [i["id"] for i in listed] == [made["invoice_id"]]
    problem(viewer.post(shop.url("orders", str(placed.order_id), "invoice")), 403)
    problem(
        viewer.post(shop.url("invoices", made["invoice_id"], "credit-notes"), {"reason": "x"}), 403
    )
    problem(viewer.patch(shop.url("settings/invoicing"), {"footer": "x"}), 403)
    assert viewer.get(shop.url("invoices", made["invoice_id"], "pdf")).status_code == 200


def test_another_store_s_invoices_do_not_exist_and_lists_page(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api, settings={**SETTINGS, "issue_on_payment": False})
    other = open_shop(orion, api)
    made = []
    for _ in range(3):
        placed = buy(orion, shop, {BOOK: 1})
        made.append(api.post(shop.url("orders", str(placed.order_id), "invoice"), expect=201))
    last = made[-1].json()

    first_page = api.get(shop.url("invoices"), limit=2, min_position=last["position"]).json()
    assert [i["id"] for i in first_page["items"]] == [
        m.json()["invoice_id"] for m in reversed(made[1:])
    ]
    second_page = api.get(shop.url("invoices"), limit=2, cursor=first_page["next_cursor"]).json()
    assert [i["id"] for i in second_page["items"]] == [made[0].json()["invoice_id"]]
    assert second_page["next_cursor"] is None
    today = last["issue_date"]
    assert len(api.get(shop.url("invoices"), **{"from": today, "to": today}).json()["items"]) == 3
    assert api.get(shop.url("invoices"), **{"to": "2000-01-01"}).json()["items"] == []
    assert api.get(other.url("invoices")).json()["items"] == []
    for path in ("", "/pdf"):
        problem(api.get(other.url("invoices", last["invoice_id"]) + path, expect=None), 404)
    problem(
        api.post(other.url("invoices", last["invoice_id"], "credit-notes"), {"reason": "x"}), 404
    )
    problem(api.post(other.url("orders", str(placed.order_id), "invoice")), 404)

    for params, name in (
        ({"kind": "receipt"}, "kind"),
        ({"status": "paid"}, "status"),
        ({"from": "2026-13-01"}, "from"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"customer_id": "x"}, "customer_id"),
    ):
        assert field_error(api.get(shop.url("invoices"), expect=None, **params))[0] == name
