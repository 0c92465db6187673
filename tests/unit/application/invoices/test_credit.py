"""Credit notes on the in-memory world: a refund of an invoiced order credits the refunded lines
and quantities at the invoice's rates (the shipping with the last of it), a cancellation after
payment credits everything left, and a credit by hand takes what it names; each credit note has
its own number in the credit-note series and cites its invoice; nothing is credited twice."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.context import CommandContext
from domain.invoices.aggregates import Invoice
from domain.invoices.errors import (
    CreditExceedsInvoiceError,
    InvoiceNotFoundError,
    NotCreditableError,
    NothingToCreditError,
)
from tests.unit.application.invoices.shop import BOOK, TEA, buy, open_shop, taxed_world
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return taxed_world()


@pytest.fixture
def shop(world: World) -> tuple[UUID, UUID]:
    return open_shop(world)


def invoiced(world: World, store_id: UUID, rate: UUID, lines: dict[str, int]) -> Invoice:
    order_id = buy(world, store_id, rate, lines)
    world.deliver()
    found = world.invoices.of_order(store_id, order_id)
    assert found is not None
    return found


def notes_of(world: World, invoice: Invoice) -> list[Invoice]:
    current = world.invoices.get(invoice.store_id, invoice.id)
    return [world.invoices.get(invoice.store_id, note_id) for note_id in current.credit_notes]


def by_rate(document: Invoice) -> dict[str, tuple[int, int]]:
    return {b["rate"]: (b["taxable"], b["vat"]) for b in document.breakdown}


def test_a_refund_credits_the_refunded_lines_at_the_invoice_s_rates(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 2, TEA: 3})

    world.orders.refund(
        world.ctx, store_id, invoice.order_id, lines=[{"sku": TEA, "quantity": 1}], reason="broken"
    )
    world.deliver()

    (note,) = notes_of(world, invoice)
    assert (note.kind, note.number_text, note.reason) == (
        "credit_note",
        "CN-2024-000001",
        "broken",
    )
    assert note.original is not None
    assert note.original["number_text"] == invoice.number_text
    assert [(line["key"], line["quantity"], line["amount"]) for line in note.lines] == [
        (TEA, 1, -499)
    ]
    assert note.tax["shipping"] == []  # the shipping stays until the last of it goes back
    # At the invoice's 20% (tea to France), on 4.99 VAT included: 0.83 of VAT.
    assert by_rate(note) == {"20": (-416, -83)}
    assert world.invoices.get(store_id, invoice.id).status == "partially_credited"


def test_refunding_everything_credits_the_invoice_to_zero_shipping_included(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 2, TEA: 3})

    world.orders.refund(world.ctx, store_id, invoice.order_id, lines=[{"sku": BOOK, "quantity": 1}])
    world.orders.refund(
        world.ctx,
        store_id,
        invoice.order_id,
        lines=[{"sku": BOOK, "quantity": 1}, {"sku": TEA, "quantity": 3}],
    )
    world.deliver()

    notes = notes_of(world, invoice)
    assert [n.number for n in notes] == [1, 2]
    assert notes[-1].tax["shipping"] != []
    for rate_text, (taxable, vat) in by_rate(invoice).items():
        assert sum(by_rate(n).get(rate_text, (0, 0))[0] for n in notes) == -taxable
        assert sum(by_rate(n).get(rate_text, (0, 0))[1] for n in notes) == -vat
    assert sum(n.gross for n in notes) == -invoice.gross
    assert world.invoices.get(store_id, invoice.id).status == "credited"


def test_a_cancellation_after_payment_credits_everything(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 1, TEA: 1})

    world.orders.cancel(world.ctx, store_id, invoice.order_id, reason="out of stock")
    world.deliver()

    (note,) = notes_of(world, invoice)
    assert note.gross == -invoice.gross
    assert note.reason == "order cancelled"


def test_a_refund_before_the_invoice_job_ran_is_credited_on_the_invoice(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    order_id = buy(world, store_id, rate, {BOOK: 2})
    world.orders.refund(world.ctx, store_id, order_id, lines=[{"sku": BOOK, "quantity": 1}])
    # The refund's job runs first: the jobs may run in any order (retries, several workers).
    world._follow()
    world.jobs.queued.sort(key=lambda job: job.func != "workers.invoices.credit_refund")
    world.deliver()

    invoice = world.invoices.of_order(store_id, order_id)
    assert invoice is not None
    (note,) = notes_of(world, invoice)
    assert [(line["key"], line["quantity"]) for line in note.lines] == [(BOOK, 1)]


def test_a_credit_by_hand_takes_what_it_names_and_no_more(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 2, TEA: 1})

    shipping_only = world.invoices.credit(
        world.ctx, store_id, invoice.id, reason="late delivery", lines=[], shipping=True
    ).document
    assert shipping_only.lines == []
    assert sum(p["amount"] for p in shipping_only.tax["shipping"]) == -490
    one_book = world.invoices.credit(
        world.ctx, store_id, invoice.id, reason="damaged", lines=[{"key": BOOK, "quantity": 1}]
    ).document
    assert one_book.number == 2

    with pytest.raises(CreditExceedsInvoiceError):
        world.invoices.credit(
            world.ctx, store_id, invoice.id, reason="x", lines=[{"key": BOOK, "quantity": 2}]
        )
    with pytest.raises(CreditExceedsInvoiceError):
        world.invoices.credit(world.ctx, store_id, invoice.id, reason="x", lines=[], shipping=True)
    with pytest.raises(NotCreditableError):
        world.invoices.credit(world.ctx, store_id, one_book.id, reason="a credit of a credit")
    rest = world.invoices.credit(world.ctx, store_id, invoice.id, reason="all of it").document
    assert [(line["key"], line["quantity"]) for line in rest.lines] == [(BOOK, 1), (TEA, 1)]
    with pytest.raises(NothingToCreditError):
        world.invoices.credit(world.ctx, store_id, invoice.id, reason="again")
    # Refused credits took no number.
    assert [n.number for n in notes_of(world, invoice)] == [1, 2, 3]


def test_a_refund_job_run_twice_credits_once(world: World, shop: tuple[UUID, UUID]) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 2})
    world.orders.refund(world.ctx, store_id, invoice.order_id, lines=[{"sku": BOOK, "quantity": 1}])
    world._follow()
    (job,) = [j for j in world.jobs.queued if j.func == "workers.invoices.credit_refund"]

    world.deliver()
    world.job_table[job.func](*job.args)  # a worker runs it again after a crash

    assert len(notes_of(world, invoice)) == 1


def test_a_refund_credits_no_more_than_the_store_credited_by_hand_already(
    world: World, shop: tuple[UUID, UUID]
) -> None:
    store_id, rate = shop
    invoice = invoiced(world, store_id, rate, {BOOK: 2})
    world.invoices.credit(
        world.ctx, store_id, invoice.id, reason="goodwill", lines=[{"key": BOOK, "quantity": 1}]
    )

    world.orders.refund(world.ctx, store_id, invoice.order_id, lines=[{"sku": BOOK, "quantity": 2}])
    world.deliver()

    notes = notes_of(world, invoice)
    assert [(n.lines[0]["quantity"] if n.lines else 0) for n in notes] == [1, 1]
    assert world.invoices.get(store_id, invoice.id).status == "credited"


def test_another_store_s_invoice_cannot_be_credited(world: World) -> None:
    store_id, rate = open_shop(world, "one")
    other_id, _ = open_shop(world, "two")
    invoice = invoiced(world, store_id, rate, {BOOK: 1})

    with pytest.raises(InvoiceNotFoundError):
        world.invoices.credit(world.ctx, other_id, invoice.id, reason="not mine")
    keyed = CommandContext(actor="user:test", idempotency_key="credit-1")
    first = world.invoices.credit(keyed, store_id, invoice.id, reason="once")
    again = world.invoices.credit(keyed, store_id, invoice.id, reason="once")
    assert again.result.replayed and again.document.id == first.document.id
