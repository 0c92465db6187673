"""Issuing invoices on the in-memory world: an order paid in full gets its invoice (when the
store issues on payment), numbered in sequence per store and year, with the seller from the
settings, the buyer sealed from the order's billing address and the VAT the order was taxed
with; by hand at most once; refused, saying why, when it cannot be issued."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest

from application.context import CommandContext
from application.invoices.app import NotIssuedOnPaymentError
from application.platform import Decision
from domain.invoices.aggregates import Invoice
from domain.invoices.errors import (
    AlreadyInvoicedError,
    BuyerErasedError,
    InvoicingNotSetUpError,
    OrderNotInvoiceableError,
    OrderNotTaxedError,
)
from domain.orders.aggregates import Order
from domain.orders.errors import OrderNotFoundError
from tests.unit.application.invoices.shop import (
    BOOK,
    BUYER_VAT,
    SELLER_VAT,
    SETTINGS,
    SHIPPING,
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


def invoice_of(world: World, store_id: UUID, order_id: UUID) -> Invoice:
    found = world.invoices.of_order(store_id, order_id)
    assert found is not None, "the order has no invoice"
    return found


def test_an_order_paid_in_full_gets_its_invoice(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 2, TEA: 3}, pay=False)
    world.deliver()
    assert world.invoices.of_order(store_id, order_id) is None  # not paid yet

    order = world.orders.get(store_id, order_id)
    world.orders.record_payment(world.ctx, store_id, order_id, amount=order.total - 1)
    world.deliver()
    assert world.invoices.of_order(store_id, order_id) is None  # not in full
    world.orders.record_payment(world.ctx, store_id, order_id, amount=1)
    world.deliver()

    invoice = invoice_of(world, store_id, order_id)
    assert (invoice.kind, invoice.status, invoice.number_text) == (
        "invoice",
        "issued",
        "INV-2024-000001",
    )
    # The VAT the order was taxed with, as it was: at destination (FR), books 5.5%, tea 20%.
    assert invoice.tax == order.tax
    assert order.tax is not None
    assert {b["rate"] for b in invoice.breakdown} == {"5.5", "20"}
    assert invoice.gross == order.total
    assert [(line["key"], line["quantity"]) for line in invoice.lines] == [(BOOK, 2), (TEA, 3)]
    assert invoice.lines[0]["description"] == f"Product {BOOK}"
    # The seller as the settings say, with the VAT number the order was taxed with.
    assert invoice.seller["legal_name"] == SETTINGS["legal_name"]
    assert invoice.seller["vat_number"] == SELLER_VAT
    assert invoice.seller["payment_terms_days"] == 14
    # The buyer, sealed under the order's subject: the billing name and address.
    assert world.invoices.buyer(invoice) == {
        "name": "Marie Curie",
        "address": {
            "line1": "1 place du Panthéon",
            "line2": None,
            "postal_code": "75005",
            "city": "Paris",
            "country": "FR",
        },
    }
    assert invoice.subject_id == order.subject_id
    assert invoice.customer_id is None  # a guest
    # Once: the payment's job ran, and following the log again issues nothing more.
    world.deliver()
    assert invoice_of(world, store_id, order_id).version == invoice.version


def test_numbers_follow_each_other_per_store_and_year(world: World) -> None:
    store_id, rate = open_shop(world, "one")
    other_id, other_rate = open_shop(world, "two")

    first = [buy(world, store_id, rate, {BOOK: 1}) for _ in range(3)]
    elsewhere = buy(world, other_id, other_rate, {TEA: 1})
    world.deliver()

    assert [invoice_of(world, store_id, o).number for o in first] == [1, 2, 3]
    assert invoice_of(world, other_id, elsewhere).number == 1
    world.clock.advance(days=366)
    next_year = buy(world, store_id, rate, {BOOK: 1})
    world.deliver()
    assert invoice_of(world, store_id, next_year).number_text == "INV-2025-000001"


def test_a_store_that_does_not_issue_on_payment_issues_by_hand_once(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    world.invoicing.change_settings(world.ctx, store_id, {"issue_on_payment": False})
    order_id = buy(world, store_id, rate, {BOOK: 1})
    world.deliver()
    assert world.invoices.of_order(store_id, order_id) is None

    issued = world.invoices.issue_for_order(world.ctx, store_id, order_id)
    assert issued.document.id == Invoice.id_for_order(order_id)
    assert issued.result.id == issued.document.id
    with pytest.raises(AlreadyInvoicedError) as again:
        world.invoices.issue_for_order(world.ctx, store_id, order_id)
    assert again.value.fields["invoice_id"] == str(issued.document.id)
    # The payment job's issue is refused on the settings it would issue with (they may have
    # changed since the job looked).
    other = buy(world, store_id, rate, {BOOK: 1})
    with pytest.raises(NotIssuedOnPaymentError):
        world.invoices.issue_for_order(world.ctx, store_id, other, on_payment=True)
    assert world.invoices.of_order(store_id, other) is None
    # An unpaid order can be invoiced by hand too (the invoice then says when it is due).
    unpaid = buy(world, store_id, rate, {TEA: 1}, pay=False)
    assert world.invoices.issue_for_order(world.ctx, store_id, unpaid).document.number == 2


def test_an_idempotency_key_answers_the_first_issue(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    world.invoicing.change_settings(world.ctx, store_id, {"issue_on_payment": False})
    order_id = buy(world, store_id, rate, {BOOK: 1})
    keyed = CommandContext(actor="user:test", idempotency_key="issue-1")

    first = world.invoices.issue_for_order(keyed, store_id, order_id)
    again = world.invoices.issue_for_order(keyed, store_id, order_id)

    assert again.result.replayed
    assert again.document.id == first.document.id
    assert again.document.number == first.document.number


def test_a_business_buyer_in_another_state_gets_a_reverse_charge_invoice(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(
        world,
        store_id,
        rate,
        {TEA: 2},
        shipping_address=billing(company="Curie SA", vat_number=BUYER_VAT),
    )
    world.deliver()

    invoice = invoice_of(world, store_id, order_id)
    assert invoice.tax["regime"] == "intra_eu_b2b"
    assert invoice.tax["mentions"] == ["reverse_charge"]
    assert (invoice.seller["vat_number"], invoice.buyer_vat_number) == (SELLER_VAT, BUYER_VAT)
    assert invoice.buyer_company == "Curie SA"
    assert invoice.vat == 0


def test_cash_on_delivery_is_invoiced_when_the_cash_arrives(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 1}, pay=False, payment_method="cash_on_delivery")
    world.orders.ship(world.ctx, store_id, order_id, carrier="Post")
    world.orders.deliver(world.ctx, store_id, order_id)
    world.deliver()
    assert world.invoices.of_order(store_id, order_id) is None

    order = world.orders.get(store_id, order_id)
    world.orders.record_payment(world.ctx, store_id, order_id, amount=order.total, method="cash")
    world.deliver()
    assert invoice_of(world, store_id, order_id).gross == order.total


def test_without_invoicing_settings_nothing_is_issued_and_by_hand_says_why(
    world: World,
) -> None:
    store_id, rate = open_shop(world, settings=False)
    order_id = buy(world, store_id, rate, {BOOK: 1})
    world.deliver()  # the job finds nothing to issue with, and fails no one
    assert world.invoices.of_order(store_id, order_id) is None

    with pytest.raises(InvoicingNotSetUpError) as refused:
        world.invoices.issue_for_order(world.ctx, store_id, order_id)
    assert refused.value.fields["missing"] == ["legal_name", "address"]
    world.invoicing.change_settings(world.ctx, store_id, {"legal_name": "Books"})
    with pytest.raises(InvoicingNotSetUpError) as still:
        world.invoices.issue_for_order(world.ctx, store_id, order_id)
    assert still.value.fields["missing"] == ["address"]
    # Nothing was numbered by the refusals.
    world.invoicing.change_settings(world.ctx, store_id, {"address": SETTINGS["address"]})
    assert world.invoices.issue_for_order(world.ctx, store_id, order_id).document.number == 1


def test_an_order_placed_before_vat_was_computed_is_not_invoiced(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    placed = world.orders.get(store_id, buy(world, store_id, rate, {BOOK: 1}, pay=False))
    old_id = UUID(int=placed.id.int ^ 1)

    def decide(at: datetime) -> Decision:
        return Decision(
            Order.place(
                order_id=old_id,
                store_id=store_id,
                customer_id=None,
                cart_id=None,
                currency="EUR",
                lines=placed.lines,
                totals=placed.totals,
                shipping_method=placed.shipping_method,
                payment_method="manual",
                sealed_contact=placed.sealed_contact,
                subject_id=placed.subject_id,
                destination_country="FR",
                payment_due_at=None,
                at=at,
                tax=None,
            )
        )

    world.platform.execute(world.ctx, "PlaceOldOrder", decide)
    world.orders.record_payment(world.ctx, store_id, old_id, amount=placed.total)
    world.deliver()
    assert world.invoices.of_order(store_id, old_id) is None
    with pytest.raises(OrderNotTaxedError):
        world.invoices.issue_for_order(world.ctx, store_id, old_id)


def test_cancelled_orders_and_other_stores_orders_are_not_invoiced(world: World) -> None:
    store_id, rate = open_shop(world, "one")
    other_id, _ = open_shop(world, "two")
    cancelled = buy(world, store_id, rate, {BOOK: 1}, pay=False)
    world.orders.cancel(world.ctx, store_id, cancelled, reason="changed my mind")

    with pytest.raises(OrderNotInvoiceableError):
        world.invoices.issue_for_order(world.ctx, store_id, cancelled)
    mine = buy(world, store_id, rate, {BOOK: 1}, pay=False)
    with pytest.raises(OrderNotFoundError):
        world.invoices.issue_for_order(world.ctx, other_id, mine)
    assert world.invoices.of_order(other_id, mine) is None


def test_an_erased_buyer_cannot_be_invoiced_but_an_invoice_keeps_its_figures(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    world.invoicing.change_settings(world.ctx, store_id, {"issue_on_payment": False})
    customer_id = world.register_customer(store_id)
    invoiced = buy(world, store_id, rate, {BOOK: 1}, customer_id=customer_id)
    not_yet = buy(world, store_id, rate, {TEA: 1}, customer_id=customer_id)
    invoice = world.invoices.issue_for_order(world.ctx, store_id, invoiced).document
    assert invoice.customer_id == customer_id

    world.personal.destroy(customer_id)

    with pytest.raises(BuyerErasedError):
        world.invoices.issue_for_order(world.ctx, store_id, not_yet)
    kept = invoice_of(world, store_id, invoiced)
    assert world.invoices.buyer(kept) is None
    assert (kept.net, kept.vat, kept.gross, kept.breakdown) == (
        invoice.net,
        invoice.vat,
        invoice.gross,
        invoice.breakdown,
    )


def test_shipping_is_on_the_invoice_at_the_order_s_rates(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 1, TEA: 1})
    world.deliver()

    invoice = invoice_of(world, store_id, order_id)
    assert sum(part["amount"] for part in invoice.tax["shipping"]) == SHIPPING
    assert invoice.gross == 1000 + 499 + SHIPPING
