"""What an invoice prints, before any PDF: labels, babel's formatting, escaping, refusals.

These run without WeasyPrint (the renderer imports it on first use); the PDFs themselves are
tested in tests/integration/pdf.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_currency, parse_decimal
from hypothesis import given
from hypothesis import strategies as st

from adapters.pdf.invoice import invoice_view, pdf_identifier, render_invoice_html
from adapters.pdf.labels import LABELS, LANGUAGES, MENTIONS
from tests.unit.adapters.pdf.documents import (
    credit_note_document,
    invoice_document,
    reverse_charge_document,
)

NBSP = "\u00a0"


def test_every_language_has_every_label_and_mention() -> None:
    assert {"en", "fr", "de"} <= set(LANGUAGES)
    for language in LANGUAGES:
        assert LABELS[language].keys() == LABELS["en"].keys(), language
        assert MENTIONS[language].keys() == MENTIONS["en"].keys(), language
        assert all(MENTIONS[language][key] for key in MENTIONS[language]), language


@pytest.mark.parametrize(
    ("language", "taxable", "vat", "rate", "date", "country"),
    [
        ("en", "€24.27", "€0.73", "3%", "December 2, 2026", "France"),
        ("fr", f"24,27{NBSP}€", f"0,73{NBSP}€", f"3{NBSP}%", "2 décembre 2026", "France"),
        ("de", f"24,27{NBSP}€", f"0,73{NBSP}€", f"3{NBSP}%", "2. Dezember 2026", "Frankreich"),
    ],
)
def test_amounts_rates_dates_and_countries_are_in_the_invoice_s_language(
    language: str, taxable: str, vat: str, rate: str, date: str, country: str
) -> None:
    view = invoice_view(invoice_document(language))

    assert view["breakdown"][0] == {"rate": rate, "taxable": taxable, "vat": vat}
    assert view["issue_date"] == date
    assert view["buyer"]["address"][-1] == country
    assert view["t"] is LABELS[language]


def test_a_rate_keeps_its_decimals() -> None:
    document = invoice_document("fr", breakdown=[{"rate": "5.5", "taxable": 1000, "vat": 55}])
    assert invoice_view(document)["breakdown"][0]["rate"] == f"5,5{NBSP}%"


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["en", "fr", "de"]))
def test_an_amount_prints_its_exact_cents(cents: int, language: str) -> None:
    # Amounts far beyond a float's 15-16 significant digits still print to the cent.
    document = invoice_document(language, net=cents)
    printed = invoice_view(document)["totals"]["net"]
    number = printed.replace("€", "").replace(NBSP, "").strip()
    assert parse_decimal(number, locale=language) == Decimal(cents) / 100
    assert printed == format_currency(Decimal(cents) / 100, "EUR", locale=language)


def test_a_currency_without_cents_is_printed_whole() -> None:
    view = invoice_view(invoice_document("en", currency="JPY", net=1234))
    assert view["totals"]["net"] == "¥1,234"


def test_user_text_is_escaped() -> None:
    document = invoice_document("en")
    document["lines"][0]["description"] = "<script>alert('x')</script>"
    document["buyer"]["name"] = 'Bobby "<b>" Tables'
    document["footer"] = "<img src=http://tracker.example/p.gif>"

    html = render_invoice_html(document)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&#34;&lt;b&gt;&#34;" in html
    assert "<img src=http" not in html


def test_the_reverse_charge_mention_is_in_the_invoice_s_language() -> None:
    assert invoice_view(reverse_charge_document("fr"))["mentions"] == [
        "Autoliquidation",
        "Exonération de TVA, article 138 de la directive 2006/112/CE",
    ]
    assert invoice_view(reverse_charge_document("de"))["mentions"][0] == (
        "Steuerschuldnerschaft des Leistungsempfängers"
    )


def test_a_credit_note_cites_its_invoice() -> None:
    view = invoice_view(credit_note_document("fr"))
    assert view["heading"] == "Avoir"
    assert view["cites"] == "Avoir relatif à la facture n° 2026-000042 du 2 décembre 2026"
    assert view["paid"] == "Remboursé"
    assert view["payment_terms"] is None


def test_payment_terms() -> None:
    assert invoice_view(invoice_document("de"))["payment_terms"] == "Zahlungsziel: 30 Tage netto"
    assert invoice_view(invoice_document("en", payment_terms_days=1))["payment_terms"] == (
        "Payment terms: 1 day net"
    )
    assert invoice_view(invoice_document("fr", payment_terms_days=0))["payment_terms"] == (
        "Conditions de paiement : à réception"
    )


def test_a_language_without_labels_prints_wholly_in_english() -> None:
    view = invoice_view(invoice_document("it"))
    assert view["lang"] == "en"
    assert view["issue_date"] == "December 2, 2026"
    assert invoice_view(invoice_document("fr-LU"))["lang"] == "fr"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"mentions": ["margin_scheme"]}, ValueError),
        ({"kind": "receipt"}, ValueError),
        ({"net": 54.27}, TypeError),
        ({"net": Decimal("5427")}, TypeError),
    ],
)
def test_what_it_cannot_print_faithfully_is_refused(change: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        invoice_view(invoice_document("en", **change))


def test_a_logo_must_be_base64_of_an_image_type() -> None:
    document = invoice_document("en")
    document["seller"]["logo"] = {"media_type": "text/html", "data": "PGgxPg=="}
    with pytest.raises(ValueError, match="logo"):
        invoice_view(document)
    document["seller"]["logo"] = {"media_type": "image/png", "data": '"><script>'}
    with pytest.raises(ValueError, match="logo"):
        invoice_view(document)


def test_the_pdf_identifier_names_one_document() -> None:
    one = pdf_identifier(invoice_document("en"))
    assert one == pdf_identifier(invoice_document("de"))
    assert one != pdf_identifier(invoice_document("en", number="2026-000043"))
    other_store = invoice_document("en")
    other_store["seller"] = {**other_store["seller"], "vat_number": "LU15027442"}
    assert one != pdf_identifier(other_store)
    assert one != pdf_identifier(credit_note_document("en") | {"number": "2026-000042"})
