"""Invoice: given events → command → expected events or error. An invoice is one per order and
never changes; credit notes take lines (by quantity) and the shipping back at its rates, cite
it, never take more than it has, and the last one leaves exactly nothing, per rate."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.invoices.aggregates import Invoice
from domain.invoices.errors import (
    CreditExceedsInvoiceError,
    NotCreditableError,
    NothingToCreditError,
    UnknownInvoiceLineError,
)
from domain.invoices.values import CREDIT_NOTE, CREDITED, INVOICE, ISSUED, PARTIALLY_CREDITED
from domain.shared.errors import ValidationError
from tests.unit.domain.scenario import Ev, at, ev, given, new_events, rejected

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9201")
ORDER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9202")
CUSTOMER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9203")
INVOICE_ID = Invoice.id_for_order(ORDER)
ISSUE_DATE = date(2026, 12, 2)
ADDRESS = {
    "line1": "12 rue de la Gare",
    "line2": None,
    "postal_code": "L-1611",
    "city": "Luxembourg",
    "country": "LU",
}
SELLER = {
    "legal_name": "Golden Shop Sàrl",
    "address": ADDRESS,
    "vat_number": "LU26375245",
    "registration_number": "B123456",
    "iban": "LU280019400644750000",
    "bic": "BCEELULL",
    "payment_terms_days": 14,
    "footer": None,
    "logo": None,
}
# Two books at 3% and three teas at 17%, prices including VAT, shipping at 17%:
#   3%: 2000 charged -> VAT round(2000 * 3 / 103 = 58.25) = 58, taxable 1942
#  17%: 1497 + 490 = 1987 charged -> VAT round(1987 * 17 / 117 = 288.71) = 289, taxable 1698
BOOK = {
    "key": "BOOK",
    "tax_category": "books",
    "quantity": 2,
    "unit_price": 1000,
    "amount": 2000,
    "rate": "3",
    "unit_price_net": 971,
}
TEA = {
    "key": "TEA",
    "tax_category": "standard",
    "quantity": 3,
    "unit_price": 499,
    "amount": 1497,
    "rate": "17",
    "unit_price_net": 426,
}
TAX: dict[str, Any] = {
    "regime": "domestic",
    "rates_version": "2026-01",
    "supply_date": "2026-12-01",
    "prices_include_vat": True,
    "seller_country": "LU",
    "buyer_country": "LU",
    "seller_vat_number": "LU26375245",
    "buyer_vat_number": None,
    "lines": [BOOK, TEA],
    "shipping": [{"rate": "17", "amount": 490}],
    "breakdown": [
        {"rate": "3", "taxable": 1942, "vat": 58},
        {"rate": "17", "taxable": 1698, "vat": 289},
    ],
    "net": 3640,
    "vat": 347,
    "gross": 3987,
    "mentions": [],
}
ORDER_LINES = [
    {
        "key": "BOOK",
        "description": "Le Petit Prince",
        "quantity": 2,
        "unit_price": 1000,
        "rate": "3",
        "tax_category": "books",
    },
    {"key": "TEA", "description": "Thé vert", "quantity": 3, "unit_price": 499},
]
DOCUMENT_LINES = [
    {
        "key": "BOOK",
        "description": "Le Petit Prince",
        **{k: v for k, v in BOOK.items() if k != "key"},
    },
    {"key": "TEA", "description": "Thé vert", **{k: v for k, v in TEA.items() if k != "key"}},
]


def issue_args(**changes: Any) -> dict[str, Any]:
    return {
        "store_id": STORE,
        "order_id": ORDER,
        "customer_id": CUSTOMER,
        "number": 7,
        "prefix": "INV",
        "issue_date": ISSUE_DATE,
        "currency": "EUR",
        "language": "fr_LU",
        "seller": copy.deepcopy(SELLER),
        "buyer_vat_number": None,
        "buyer_company": None,
        "sealed_buyer": "v1.sealed-buyer",
        "subject_id": CUSTOMER,
        "lines": copy.deepcopy(ORDER_LINES),
        "tax": copy.deepcopy(TAX),
        "at": at(0),
        **changes,
    }


def issued(**changes: Any) -> Ev:
    return ev(
        Invoice.Issued,
        **{
            "store_id": STORE,
            "order_id": ORDER,
            "customer_id": CUSTOMER,
            "kind": INVOICE,
            "year": 2026,
            "number": 7,
            "number_text": "INV-2026-000007",
            "issue_date": "2026-12-02",
            "currency": "EUR",
            "language": "fr_LU",
            "seller": SELLER,
            "buyer_vat_number": None,
            "buyer_company": None,
            "sealed_buyer": "v1.sealed-buyer",
            "subject_id": CUSTOMER,
            "lines": DOCUMENT_LINES,
            "tax": TAX,
            "original": None,
            "reason": None,
            **changes,
        },
    )


def credit(invoice: Invoice, number: int = 1, **changes: Any) -> Invoice:
    args: dict[str, Any] = {
        "number": number,
        "prefix": "CN",
        "issue_date": date(2026, 12, 20),
        "reason": "damaged",
        "at": at(100 + number),
        **changes,
    }
    return invoice.credit(**args)


# -- issuing --------------------------------------------------------------------------------


def test_an_order_is_invoiced_with_every_mention_the_law_asks_for() -> None:
    invoice = Invoice.issue(**issue_args())

    assert new_events(invoice) == [issued()]
    assert invoice.id == INVOICE_ID
    assert (invoice.kind, invoice.status, invoice.number_text) == (
        INVOICE,
        ISSUED,
        "INV-2026-000007",
    )
    assert (invoice.net, invoice.vat, invoice.gross) == (3640, 347, 3987)
    assert invoice.due_on == date(2026, 12, 16)


def test_an_order_has_at_most_one_invoice_its_id_says_so() -> None:
    first = Invoice.issue(**issue_args())
    second = Invoice.issue(**issue_args(number=8, issue_date=date(2026, 12, 3)))

    # Saving the second is a version conflict on this id in the event store.
    assert first.id == second.id == Invoice.id_for_order(ORDER)
    assert Invoice.id_for_order(CUSTOMER) != first.id


def test_the_seller_and_buyer_vat_numbers_default_to_those_the_order_was_taxed_with() -> None:
    tax = {**TAX, "buyer_vat_number": "LU15027442"}
    invoice = Invoice.issue(
        **issue_args(seller={**SELLER, "vat_number": None}, tax=tax, buyer_company="Acme SA")
    )

    assert invoice.seller["vat_number"] == "LU26375245"
    assert (invoice.buyer_vat_number, invoice.buyer_company) == ("LU15027442", "Acme SA")


def test_a_reverse_charge_invoice_shows_both_vat_numbers() -> None:
    tax = {
        **TAX,
        "regime": "intra_eu_b2b",
        "buyer_country": "FR",
        "lines": [{**BOOK, "rate": "0", "unit_price_net": 1000}],
        "shipping": [],
        "breakdown": [{"rate": "0", "taxable": 2000, "vat": 0}],
        "net": 2000,
        "vat": 0,
        "gross": 2000,
        "mentions": ["reverse_charge"],
    }
    lines = [{"key": "BOOK", "description": "Le Petit Prince"}]

    with pytest.raises(ValidationError) as raised:
        Invoice.issue(**issue_args(tax=tax, lines=lines))
    assert raised.value.field == "buyer_vat_number"

    invoice = Invoice.issue(**issue_args(tax=tax, lines=lines, buyer_vat_number="FR40303265045"))
    assert invoice.tax["mentions"] == ["reverse_charge"]
    assert invoice.buyer_vat_number == "FR40303265045"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": 0}, "number"),
        ({"prefix": "IN V"}, "prefix"),
        ({"currency": "EURO"}, "currency"),
        ({"language": "it"}, "language"),
        ({"sealed_buyer": ""}, "sealed_buyer"),
        ({"seller": {**SELLER, "legal_name": None}}, "seller.legal_name"),
        ({"seller": {**SELLER, "vat_number": "LU99999999"}}, "seller.vat_number"),
        (
            {"buyer_vat_number": "LU15027442", "tax": {**TAX, "buyer_vat_number": "LU26375245"}},
            "buyer_vat_number",
        ),
        ({"lines": ORDER_LINES[:1]}, "lines"),
        ({"lines": [ORDER_LINES[0], {**ORDER_LINES[1], "quantity": 4}]}, "lines[1].quantity"),
        ({"lines": [{**ORDER_LINES[0], "rate": "17"}, ORDER_LINES[1]]}, "lines[0].rate"),
        (
            {"lines": [{**ORDER_LINES[0], "description": " "}, ORDER_LINES[1]]},
            "lines[0].description",
        ),
        ({"tax": {**TAX, "regime": "somewhere"}}, "tax.regime"),
        ({"tax": {**TAX, "gross": 3988}}, "tax.gross"),
        ({"tax": {**TAX, "net": 3641}}, "tax"),
        ({"tax": {**TAX, "lines": [BOOK, {**TEA, "amount": 1498}]}}, "tax.breakdown[1]"),
        ({"tax": {**TAX, "lines": [BOOK, {**TEA, "rate": "17.5"}]}}, "tax.breakdown[1]"),
        (
            {"tax": {**TAX, "shipping": [*TAX["shipping"], {"rate": "8", "amount": 0}]}},
            "tax.breakdown",
        ),
        ({"tax": {**TAX, "lines": [BOOK, {**TEA, "rate": 17}]}}, "tax.lines[1].rate"),
        ({"tax": {**TAX, "lines": [BOOK, {**TEA, "quantity": 0}]}}, "tax.lines[1].quantity"),
        ({"tax": {**TAX, "lines": [BOOK, {**TEA, "key": "BOOK"}]}}, "tax.lines[1].key"),
        # VAT per line (1.55 + ... ) rather than once per rate: refused.
        (
            {
                "tax": {
                    **TAX,
                    "breakdown": [{"rate": "3", "taxable": 1943, "vat": 57}, TAX["breakdown"][1]],
                }
            },
            "tax.breakdown[0]",
        ),
    ],
)
def test_an_invoice_that_would_not_add_up_or_misses_a_mention_is_refused(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Invoice.issue(**issue_args(**changes))

    assert raised.value.field == field


def test_an_issued_invoice_keeps_its_own_copy_of_what_it_was_given() -> None:
    args = issue_args()
    invoice = Invoice.issue(**args)
    before = invoice.as_dict()

    args["tax"]["breakdown"][0]["vat"] = 0
    args["seller"]["address"]["city"] = "Esch"
    args["lines"][0]["description"] = "Something else"

    assert invoice.as_dict() == before


def test_credits_never_change_what_the_invoice_says() -> None:
    invoice = given(INVOICE_ID, issued())
    contents = {k: v for k, v in invoice.as_dict().items() if k in issued().attrs}

    credit(invoice, lines=[{"key": "TEA", "quantity": 1}])
    credit(invoice, number=2)

    assert {k: v for k, v in invoice.as_dict().items() if k in contents} == contents
    assert invoice.status == CREDITED


# -- crediting ------------------------------------------------------------------------------


def test_a_partial_credit_takes_back_units_of_a_line_at_the_invoice_rate() -> None:
    invoice = given(INVOICE_ID, issued())

    note = credit(invoice, lines=[{"key": "TEA", "quantity": 1}])

    note_id = Invoice.id_for_credit(INVOICE_ID, 1)
    # One tea: 499 charged (1497 for three, shared on the units); VAT round(499 * 17 / 117 =
    # 72.50) = 73, taxable 426.
    assert new_events(invoice) == [
        ev(
            Invoice.Credited,
            credit_id=note_id,
            sequence=1,
            number_text="CN-2026-000001",
            lines=[{"key": "TEA", "quantity": 1, "amount": 499}],
            shipping=[],
            breakdown=[{"rate": "17", "charged": 499, "taxable": 426, "vat": 73}],
            status=PARTIALLY_CREDITED,
        )
    ]
    assert new_events(note) == [
        issued(
            kind=CREDIT_NOTE,
            number=1,
            number_text="CN-2026-000001",
            issue_date="2026-12-20",
            lines=[{**DOCUMENT_LINES[1], "quantity": 1, "amount": -499}],
            tax={
                **TAX,
                "lines": [{**TEA, "quantity": 1, "amount": -499}],
                "shipping": [],
                "breakdown": [{"rate": "17", "taxable": -426, "vat": -73}],
                "net": -426,
                "vat": -73,
                "gross": -499,
            },
            original={
                "invoice_id": INVOICE_ID,
                "number_text": "INV-2026-000007",
                "issue_date": "2026-12-02",
                "sequence": 1,
            },
            reason="damaged",
        )
    ]
    assert note.id == note_id
    assert invoice.next_credit_id == Invoice.id_for_credit(INVOICE_ID, 2)
    assert invoice.left_to_credit() == {"BOOK": 2, "TEA": 2}
    assert invoice.shipping_left_to_credit


def test_a_credit_of_everything_left_lands_on_the_invoice_figures_per_rate() -> None:
    invoice = given(
        INVOICE_ID,
        issued(),
        ev(
            Invoice.Credited,
            credit_id=Invoice.id_for_credit(INVOICE_ID, 1),
            sequence=1,
            number_text="CN-2026-000001",
            lines=[{"key": "TEA", "quantity": 1, "amount": 499}],
            shipping=[],
            breakdown=[{"rate": "17", "charged": 499, "taxable": 426, "vat": 73}],
            status=PARTIALLY_CREDITED,
        ),
    )

    note = credit(invoice, number=2)

    # 3%: the two books, 1942 + 58. 17%: 1698 + 289 on the invoice, less 426 + 73 credited.
    assert note.tax["breakdown"] == [
        {"rate": "3", "taxable": -1942, "vat": -58},
        {"rate": "17", "taxable": -1272, "vat": -216},
    ]
    assert note.tax["lines"] == [
        {**BOOK, "amount": -2000},
        {**TEA, "quantity": 2, "amount": -998},
    ]
    assert note.tax["shipping"] == [{"rate": "17", "amount": -490}]
    assert (note.net, note.vat, note.gross) == (-3214, -274, -3488)
    assert new_events(invoice)[0].attrs["status"] == CREDITED
    assert invoice.credited_by_rate == {
        "17": {"charged": 1987, "taxable": 1698, "vat": 289},
        "3": {"charged": 2000, "taxable": 1942, "vat": 58},
    }
    assert invoice.left_to_credit() == {"BOOK": 0, "TEA": 0}
    assert not invoice.shipping_left_to_credit


def test_partial_credits_never_take_more_vat_than_the_invoice_holds() -> None:
    # Ten 4-cent pins at 17%: 40 charged hold round(40 * 17 / 117 = 5.81) = 6 of VAT, but one pin
    # alone rounds to 1 (0.58). Rounded on the running total, the credits carry 1, 0, 1, 0, ...
    pin = {**BOOK, "key": "PIN", "quantity": 10, "unit_price": 4, "amount": 40, "rate": "17"}
    tax = {
        **TAX,
        "lines": [pin],
        "shipping": [],
        "breakdown": [{"rate": "17", "taxable": 34, "vat": 6}],
        "net": 34,
        "vat": 6,
        "gross": 40,
    }
    invoice = Invoice.issue(**issue_args(tax=tax, lines=[{"key": "PIN", "description": "Pin"}]))

    notes = [credit(invoice, n, lines=[{"key": "PIN", "quantity": 1}]) for n in range(1, 10)]
    notes.append(credit(invoice, 10))

    assert [n.vat for n in notes] == [-1, 0, -1, 0, -1, 0, -1, -1, 0, -1]
    assert sum(n.vat for n in notes) == -6
    assert sum(n.net for n in notes) == -34
    assert all(n.gross == -4 for n in notes)


def test_credits_of_prices_without_vat_round_vat_on_the_net_running_total() -> None:
    # Three items of 333 net at 17%: VAT round(999 * 0.17 = 169.83) = 170; one of them alone
    # round(56.61) = 57, the two others then 113.
    item = {**BOOK, "key": "W", "quantity": 3, "unit_price": 333, "amount": 999, "rate": "17"}
    item["unit_price_net"] = 333
    tax = {
        **TAX,
        "prices_include_vat": False,
        "lines": [item],
        "shipping": [],
        "breakdown": [{"rate": "17", "taxable": 999, "vat": 170}],
        "net": 999,
        "vat": 170,
        "gross": 1169,
    }
    invoice = Invoice.issue(**issue_args(tax=tax, lines=[{"key": "W", "description": "Widget"}]))

    first = credit(invoice, lines=[{"key": "W", "quantity": 1}])
    last = credit(invoice, 2)

    assert first.tax["breakdown"] == [{"rate": "17", "taxable": -333, "vat": -57}]
    assert last.tax["breakdown"] == [{"rate": "17", "taxable": -666, "vat": -113}]
    assert (last.net, last.vat, last.gross) == (-666, -113, -779)


def test_the_shipping_alone_can_be_credited_once() -> None:
    invoice = given(INVOICE_ID, issued())

    note = credit(invoice, lines=[], shipping=True)

    # 490 at 17%: VAT round(71.20) = 71.
    assert note.tax["breakdown"] == [{"rate": "17", "taxable": -419, "vat": -71}]
    assert note.lines == []
    invoice.collect_events()
    error = rejected(
        invoice, lambda: credit(invoice, 2, lines=[], shipping=True), CreditExceedsInvoiceError
    )
    assert error.code == "credit_exceeds_invoice"


def test_a_credit_of_everything_left_skips_the_shipping_credited_before() -> None:
    invoice = given(INVOICE_ID, issued())
    credit(invoice, lines=[], shipping=True)

    note = credit(invoice, 2)

    assert note.tax["shipping"] == []
    assert invoice.status == CREDITED


def test_credits_of_lines_leave_the_shipping_unless_asked() -> None:
    invoice = given(INVOICE_ID, issued())

    note = credit(invoice, lines=[{"key": "BOOK", "quantity": 2}, {"key": "TEA", "quantity": 3}])

    assert note.tax["shipping"] == []
    assert invoice.status == PARTIALLY_CREDITED
    assert invoice.shipping_left_to_credit


def test_more_units_than_are_left_are_refused() -> None:
    invoice = given(INVOICE_ID, issued())
    credit(invoice, lines=[{"key": "TEA", "quantity": 2}])
    invoice.collect_events()

    error = rejected(
        invoice,
        lambda: credit(invoice, 2, lines=[{"key": "TEA", "quantity": 2}]),
        CreditExceedsInvoiceError,
    )

    assert error.fields == {"key": "TEA", "left_to_credit": 1}


@pytest.mark.parametrize(
    ("lines", "error", "field"),
    [
        ([{"key": "MUG", "quantity": 1}], UnknownInvoiceLineError, "lines[0].key"),
        ([{"quantity": 1}], UnknownInvoiceLineError, "lines[0].key"),
        ([{"key": "TEA", "quantity": 0}], ValidationError, "lines[0].quantity"),
        (
            [{"key": "TEA", "quantity": 1}, {"key": "TEA", "quantity": 1}],
            ValidationError,
            "lines[1].key",
        ),
    ],
)
def test_a_credit_names_lines_of_the_invoice_by_key(
    lines: list[dict[str, Any]], error: type[ValidationError], field: str
) -> None:
    invoice = given(INVOICE_ID, issued())

    raised = rejected(invoice, lambda: credit(invoice, lines=lines), error)

    assert raised.field == field


def test_a_credit_of_nothing_is_refused() -> None:
    invoice = given(INVOICE_ID, issued())

    rejected(invoice, lambda: credit(invoice, lines=[], shipping=False), NothingToCreditError)


def test_a_credited_invoice_has_nothing_left_to_credit() -> None:
    invoice = given(INVOICE_ID, issued())
    credit(invoice)
    invoice.collect_events()

    error = rejected(invoice, lambda: credit(invoice, 2), NothingToCreditError)

    assert error.code == "nothing_to_credit"


def test_a_credit_note_cannot_be_credited() -> None:
    note = credit(given(INVOICE_ID, issued()))
    note.collect_events()

    rejected(note, lambda: credit(note, 2), NotCreditableError)


def test_a_credit_note_cannot_predate_its_invoice() -> None:
    invoice = given(INVOICE_ID, issued())

    error = rejected(
        invoice, lambda: credit(invoice, issue_date=date(2026, 12, 1)), ValidationError
    )

    assert error.field == "issue_date"


def test_a_credit_needs_a_reason() -> None:
    invoice = given(INVOICE_ID, issued())

    error = rejected(invoice, lambda: credit(invoice, reason="  "), ValidationError)

    assert error.field == "reason"


def test_each_credit_note_has_its_own_id_in_sequence() -> None:
    invoice = given(INVOICE_ID, issued())

    first = credit(invoice, lines=[{"key": "BOOK", "quantity": 1}])
    second = credit(invoice, 2, lines=[{"key": "BOOK", "quantity": 1}])

    assert [first.id, second.id] == [
        Invoice.id_for_credit(INVOICE_ID, 1),
        Invoice.id_for_credit(INVOICE_ID, 2),
    ]
    assert invoice.credit_notes == [first.id, second.id]
    assert invoice.next_credit_id == Invoice.id_for_credit(INVOICE_ID, 3)
    assert second.original is not None and second.original["sequence"] == 2
