"""Invoice PDFs on the in-memory world (the renderer draws the document as JSON): the job draws
and keeps each issued document's PDF, from the invoice alone; asked for before the job ran, it
is drawn then; the customer gets their own order's only; an erased buyer's name leaves the
kept PDFs, and a masked one is drawn instead, with the same figures."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.invoices.documents import invoice_document, pdf_key
from domain.invoices.errors import InvoiceNotFoundError
from domain.invoices.policies import net_amounts
from domain.shared.personal import ERASED
from domain.tax.policies import Buyer, Seller, TaxLine, tax_sale
from tests.unit.adapters.pdf.documents import png
from tests.unit.application.invoices.shop import (
    BOOK,
    BUYER_VAT,
    SELLER_VAT,
    TEA,
    billing,
    buy,
    open_shop,
    taxed_world,
)
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return taxed_world()


@pytest.fixture
def shop(world: World) -> tuple[UUID, UUID]:
    return open_shop(world)


def drawn(world: World) -> list[dict[str, Any]]:
    return world.renderer.drawn


def test_the_job_draws_and_keeps_each_issued_document(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    world.invoicing.change_settings(world.ctx, store_id, {"logo": png(), "footer": "Merci !"})
    order_id = buy(
        world,
        store_id,
        rate,
        {BOOK: 2, TEA: 1},
        shipping_address=billing(company="Curie SA", vat_number=BUYER_VAT),
    )
    world.deliver()
    invoice = world.invoices.of_order(store_id, order_id)
    assert invoice is not None

    (document,) = drawn(world)
    assert world.documents.get(pdf_key(invoice.id, masked=False)) is not None
    assert document["number"] == "INV-2024-000001"
    assert document["kind"] == "invoice"
    assert document["seller"]["vat_number"] == SELLER_VAT
    assert document["seller"]["logo"]["media_type"] == "image/png"
    assert document["buyer"] == {
        "name": "Marie Curie",
        "company": "Curie SA",
        "address": {
            "line1": "1 place du Panthéon",
            "line2": None,
            "postal_code": "75005",
            "city": "Paris",
            "country": "FR",
        },
        "vat_number": BUYER_VAT,
    }
    assert document["mentions"] == ["reverse_charge"]
    assert document["breakdown"] == invoice.breakdown
    assert (document["net"], document["vat"], document["gross"]) == (
        invoice.net,
        invoice.vat,
        invoice.gross,
    )
    assert [line["sku"] for line in document["lines"]] == [BOOK, TEA]
    assert document["footer"] == "Merci !"
    assert document["due_date"] == "2024-05-15"  # 14 days

    # Kept: asked for, it is not drawn again, and its bytes are the kept ones.
    _, content = world.invoice_pdfs.pdf(store_id, invoice.id)
    assert len(drawn(world)) == 1
    assert content.startswith(b"%FAKE-PDF")


def test_a_pdf_asked_for_before_the_job_ran_is_drawn_then_and_the_same(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    world.invoicing.change_settings(world.ctx, store_id, {"issue_on_payment": False})
    order_id = buy(world, store_id, rate, {TEA: 1})
    invoice = world.invoices.issue_for_order(world.ctx, store_id, order_id).document

    _, early = world.invoice_pdfs.pdf(store_id, invoice.id)
    world.documents.delete(pdf_key(invoice.id, masked=False))
    world.deliver()  # the job draws it again

    assert world.invoice_pdfs.pdf(store_id, invoice.id)[1] == early
    assert len(drawn(world)) == 2


def test_a_credit_note_s_document_cites_its_invoice_with_negative_amounts(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 2})
    world.orders.refund(world.ctx, store_id, order_id, lines=[{"sku": BOOK, "quantity": 1}])
    world.deliver()

    invoice, note = drawn(world)
    assert note["kind"] == "credit_note"
    assert note["cites"] == {"number": invoice["number"], "issue_date": invoice["issue_date"]}
    (line,) = note["lines"]
    assert line["quantity"] == 1 and line["unit_price_net"] < 0 and line["net"] < 0
    assert note["gross"] < 0 and note["due_date"] is None


def test_the_customer_gets_their_own_order_s_invoice_only(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    ada = world.register_customer(store_id, "ada@example.org")
    bob = world.register_customer(store_id, "bob@example.org")
    order_id = buy(world, store_id, rate, {BOOK: 1}, customer_id=ada)
    guest_order = buy(world, store_id, rate, {BOOK: 1})
    unpaid = buy(world, store_id, rate, {BOOK: 1}, customer_id=ada, pay=False)
    world.deliver()

    invoice, content = world.invoice_pdfs.for_customer(store_id, ada, order_id)
    assert invoice.order_id == order_id and content.startswith(b"%FAKE-PDF")
    for customer, order in ((bob, order_id), (ada, guest_order), (ada, unpaid)):
        with pytest.raises(InvoiceNotFoundError):
            world.invoice_pdfs.for_customer(store_id, customer, order)
    other_id, _ = open_shop(world, "other")
    with pytest.raises(InvoiceNotFoundError):
        world.invoice_pdfs.for_customer(other_id, ada, order_id)


def test_an_erased_buyer_leaves_the_kept_pdfs_and_is_masked_in_new_ones(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    ada = world.register_customer(store_id, "ada@example.org")
    order_id = buy(world, store_id, rate, {BOOK: 1, TEA: 1}, customer_id=ada)
    world.deliver()
    invoice = world.invoices.of_order(store_id, order_id)
    assert invoice is not None
    (before,) = drawn(world)

    world.customers.erase(world.ctx, store_id, ada, by="customer")
    world.deliver()  # the erasure's job drops the kept PDF that names her

    assert world.documents.get(pdf_key(invoice.id, masked=False)) is None
    _, content = world.invoice_pdfs.pdf(store_id, invoice.id)
    masked = drawn(world)[-1]
    assert b"Marie" not in content and b"Curie" not in content
    assert masked["buyer"]["name"] == ERASED
    assert masked["buyer"]["address"]["country"] == "FR"
    for figure in ("lines", "breakdown", "net", "vat", "gross", "number"):
        assert masked[figure] == before[figure]
    assert world.documents.get(pdf_key(invoice.id, masked=True)) is not None


def test_a_pdf_kept_from_before_an_erasure_is_never_served_after_it(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    """Even when the erasure's job has not run (or missed the invoice)."""
    store_id, rate = shop
    ada = world.register_customer(store_id, "ada@example.org")
    order_id = buy(world, store_id, rate, {BOOK: 1}, customer_id=ada)
    world.deliver()
    invoice = world.invoices.of_order(store_id, order_id)
    assert invoice is not None

    world.personal.destroy(ada)  # erased; no job has followed the log yet

    _, content = world.invoice_pdfs.pdf(store_id, invoice.id)
    assert b"Curie" not in content
    assert world.documents.get(pdf_key(invoice.id, masked=False)) is None


# -- the document's amounts ---------------------------------------------------------------------

CATEGORIES = ("standard", "books", "food", "reduced", "zero")


@given(
    lines=st.lists(
        st.tuples(st.sampled_from(CATEGORIES), st.integers(0, 50_000), st.integers(1, 20)),
        min_size=1,
        max_size=6,
    ),
    shipping=st.integers(0, 5000),
    include=st.booleans(),
    country=st.sampled_from(("LU", "FR", "DE", "US")),
)
def test_each_rate_s_lines_and_shipping_add_up_to_its_taxable_amount(
    lines: list[tuple[str, int, int]], shipping: int, include: bool, country: str
) -> None:
    tax = tax_sale(
        seller=Seller("LU", SELLER_VAT, True, 0, 0),
        buyer=Buyer(country),
        lines=[TaxLine(f"L{i}", c, price, q) for i, (c, price, q) in enumerate(lines)],
        shipping=shipping,
        prices_include_vat=include,
        on=date(2026, 3, 1),
    ).as_dict()

    nets = net_amounts(tax)
    for entry in tax["breakdown"]:
        parts = [("line", line["key"]) for line in tax["lines"] if line["rate"] == entry["rate"]]
        parts += [("shipping", p["rate"]) for p in tax["shipping"] if p["rate"] == entry["rate"]]
        assert sum(nets[part] for part in parts) == entry["taxable"]
    if not include:  # prices without VAT: each line's net is what it charged
        for line in tax["lines"]:
            assert nets[("line", line["key"])] == line["amount"]


def test_the_document_of_an_invoice_is_the_same_each_time(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 3, TEA: 2})
    world.deliver()
    invoice = world.invoices.of_order(store_id, order_id)
    assert invoice is not None
    buyer = world.invoices.buyer(invoice)

    assert invoice_document(invoice, buyer=buyer, logo=None) == invoice_document(
        world.invoices.get(store_id, invoice.id), buyer=buyer, logo=None
    )
