"""Property tests of invoices and credit notes, over any cart of lines at several rates, with or
without shipping, prices with or without VAT: every document's per-rate VAT adds up to its VAT
and its gross is net + VAT; every credit note takes back (never gives), within a cent of its own
rounding per rate; and any run of partial credits ended by a credit of everything left sums to
exactly minus the invoice, per rate and per line, after which nothing is left. The recorded
events replay to the same invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.invoices.aggregates import Invoice
from domain.invoices.errors import NothingToCreditError
from domain.invoices.values import CREDITED
from domain.tax.rounding import vat_in_gross, vat_on_net
from tests.unit.domain.invoices.taxed import order_lines, tax_result
from tests.unit.domain.replay import Recorder
from tests.unit.domain.scenario import at

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9301")
ORDER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9302")
RATES = ["0", "3", "5.5", "8", "14", "17", "25.5"]
SELLER = {
    "legal_name": "Golden Shop Sàrl",
    "address": {"line1": "1 rue X", "postal_code": "L-1611", "city": "Luxembourg", "country": "LU"},
}

lines_st = st.lists(
    st.tuples(
        st.sampled_from(RATES),
        st.integers(min_value=1, max_value=30),
        st.integers(min_value=0, max_value=200_000),
    ),
    min_size=1,
    max_size=6,
)
shipping_st = st.dictionaries(
    st.sampled_from(RATES), st.integers(min_value=0, max_value=5_000), max_size=2
)


def invoice_for(
    lines: list[tuple[str, int, int]], shipping: dict[str, int], prices_include_vat: bool
) -> Invoice:
    tax = tax_result(
        [(f"L{i}", "standard", rate, q, p) for i, (rate, q, p) in enumerate(lines)],
        sorted(shipping.items()),
        prices_include_vat=prices_include_vat,
    )
    return Invoice.issue(
        store_id=STORE,
        order_id=ORDER,
        customer_id=None,
        number=1,
        prefix="",
        issue_date=date(2026, 12, 2),
        currency="EUR",
        language="en",
        seller=SELLER,
        buyer_vat_number=None,
        buyer_company=None,
        sealed_buyer="v1.sealed",
        subject_id=ORDER,
        lines=order_lines(tax),
        tax=tax,
        at=at(0),
    )


def assert_adds_up(document: Invoice) -> None:
    """Per-rate VAT and taxable amounts add up to the document's; gross = net + VAT; and what
    the lines and shipping charged is the gross (prices with VAT) or the net (without)."""
    tax = document.tax
    assert sum(b["vat"] for b in tax["breakdown"]) == tax["vat"] == document.vat
    assert sum(b["taxable"] for b in tax["breakdown"]) == tax["net"] == document.net
    assert document.gross == document.net + document.vat
    charged = sum(p["amount"] for p in [*tax["lines"], *tax["shipping"]])
    assert charged == (document.gross if tax["prices_include_vat"] else document.net)
    assert [line["amount"] for line in document.lines] == [line["amount"] for line in tax["lines"]]


def own_vat(charged: int, rate: str, prices_include_vat: bool) -> int:
    if prices_include_vat:
        return vat_in_gross(charged, Decimal(rate))
    return vat_on_net(charged, Decimal(rate))


@settings(max_examples=150, deadline=None)
@given(lines_st, shipping_st, st.booleans())
def test_an_invoice_adds_up(
    lines: list[tuple[str, int, int]], shipping: dict[str, int], prices_include_vat: bool
) -> None:
    assert_adds_up(invoice_for(lines, shipping, prices_include_vat))


@settings(max_examples=300, deadline=None)
@given(lines_st, shipping_st, st.booleans(), st.data())
def test_partial_credits_then_a_full_one_negate_the_invoice_exactly(
    lines: list[tuple[str, int, int]],
    shipping: dict[str, int],
    prices_include_vat: bool,
    data: st.DataObject,
) -> None:
    invoice = invoice_for(lines, shipping, prices_include_vat)
    recorder = Recorder(invoice)
    notes: list[Invoice] = []

    for _ in range(data.draw(st.integers(min_value=0, max_value=5), label="partial credits")):
        left = invoice.left_to_credit()
        wanted = [
            {"key": key, "quantity": data.draw(st.integers(1, units), label=key)}
            for key, units in left.items()
            if units and data.draw(st.booleans(), label=f"credit {key}")
        ]
        take_shipping = invoice.shipping_left_to_credit and data.draw(st.booleans())
        if not wanted and not take_shipping:
            continue
        notes.append(
            invoice.credit(
                number=len(notes) + 1,
                prefix="CN",
                issue_date=date(2026, 12, 20),
                reason="partial",
                lines=wanted,
                shipping=take_shipping,
                at=at(len(notes) + 1),
            )
        )
        recorder.save()
    if invoice.status != CREDITED:
        notes.append(
            invoice.credit(
                number=len(notes) + 1,
                prefix="CN",
                issue_date=date(2026, 12, 21),
                reason="the rest",
                at=at(99),
            )
        )
        recorder.save()

    for note in notes:
        assert_adds_up(note)
        for entry in note.tax["breakdown"]:
            # A credit takes back, within a cent of what its own amount would round to.
            assert entry["taxable"] <= 0 and entry["vat"] <= 0
            charged = -sum(
                p["amount"]
                for p in [*note.tax["lines"], *note.tax["shipping"]]
                if p["rate"] == entry["rate"]
            )
            assert abs(-entry["vat"] - own_vat(charged, entry["rate"], prices_include_vat)) <= 1
    for entry in invoice.tax["breakdown"]:
        credited = [b for n in notes for b in n.tax["breakdown"] if b["rate"] == entry["rate"]]
        assert sum(b["taxable"] for b in credited) == -entry["taxable"]
        assert sum(b["vat"] for b in credited) == -entry["vat"]
    for line in invoice.tax["lines"]:
        credited = [c for n in notes for c in n.tax["lines"] if c["key"] == line["key"]]
        assert sum(c["amount"] for c in credited) == -line["amount"]
        assert sum(c["quantity"] for c in credited) == line["quantity"]
    assert sum(n.gross for n in notes) == -invoice.gross
    assert invoice.status == CREDITED
    assert set(invoice.left_to_credit().values()) == {0}
    with pytest.raises(NothingToCreditError):
        invoice.credit(
            number=99, prefix="CN", issue_date=date(2026, 12, 22), reason="again", at=at(100)
        )
    recorder.assert_replays()
