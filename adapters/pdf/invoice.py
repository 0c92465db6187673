"""Invoices and credit notes as PDF: an HTML template (jinja2, autoescaped) drawn by WeasyPrint.

The input is the invoice document the application builds (a plain mapping: amounts in integer
cents, rates as decimal strings, dates as ISO strings). Everything printed in words comes from
``labels.py``; dates, amounts, rates and country names are formatted by babel in the invoice's
language, so that a French invoice says "24,27 €" and "2 décembre 2026".

The same document gives the same bytes: the PDF's dates are the issue date and its identifier is
derived from the document, not the clock or chance. Nothing is fetched: the stylesheet is read
from this package and the only URLs WeasyPrint may open are ``data:`` ones (the logo).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from babel.units import format_unit
from markupsafe import Markup, escape

from adapters.pdf.labels import DEFAULT_LANGUAGE, LABELS, MENTIONS

if TYPE_CHECKING:
    from weasyprint import CSS, URLFetcher

TEMPLATES = Path(__file__).parent / "templates"

# The logo is drawn from the document itself; a media type outside this list is refused rather
# than handed to an image decoder.
LOGO_MEDIA_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}
)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def render_invoice(document: Mapping[str, Any]) -> bytes:
    """The PDF of an invoice or a credit note, the same bytes for the same document."""
    weasyprint = _weasyprint()
    # fontTools, which WeasyPrint subsets fonts with when HarfBuzz's subsetter is not installed,
    # stamps each subset with the current time unless SOURCE_DATE_EPOCH (the reproducible-builds
    # convention) says otherwise. Set once per process, and kept if the operator set it.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    html = weasyprint.HTML(string=render_invoice_html(document), url_fetcher=data_only_fetcher())
    pdf: bytes = html.write_pdf(
        stylesheets=[_stylesheet()], pdf_identifier=pdf_identifier(document)
    )
    return pdf


def render_invoice_html(document: Mapping[str, Any]) -> str:
    """The HTML the PDF is drawn from (without its stylesheet, which WeasyPrint is given)."""
    return _environment().get_template("invoice.html").render(invoice_view(document))


def pdf_identifier(document: Mapping[str, Any]) -> bytes:
    """The PDF's permanent identifier: the same for every rendering of one document, and
    different between two stores' documents of the same number."""
    seller = document["seller"]
    key = "\n".join(
        (document["kind"], seller.get("vat_number") or seller["legal_name"], document["number"])
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32].encode()


def invoice_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """What the template prints: every value formatted for the document's language."""
    fmt = _Formatter(document["language"], document["currency"])
    kind = document["kind"]
    if kind not in ("invoice", "credit_note"):
        raise ValueError(f"unknown document kind {kind!r}")
    t = LABELS[fmt.language]
    seller, buyer = document["seller"], document["buyer"]
    cites = document.get("cites")
    shipping = document.get("shipping")
    days = document.get("payment_terms_days")
    heading = t[kind]
    return {
        "lang": fmt.language,
        "kind": kind,
        "t": t,
        "heading": heading,
        "title": f"{heading} {document['number']}",
        "number": document["number"],
        "issued_at": date.fromisoformat(document["issue_date"]).isoformat(),
        "issue_date": fmt.date(document["issue_date"]),
        "supply_date": fmt.date(document.get("supply_date")),
        "due_date": fmt.date(document.get("due_date")),
        "order_number": document.get("order_number"),
        "seller": {
            "name": seller["legal_name"],
            "address": fmt.address(seller["address"]),
            "vat_number": seller.get("vat_number"),
            "registration_number": seller.get("registration_number"),
            "iban": seller.get("iban"),
            "bic": seller.get("bic"),
            "email": seller.get("email"),
        },
        "logo": _logo(seller.get("logo")),
        "buyer": {
            "name": buyer["name"],
            "company": buyer.get("company"),
            "address": fmt.address(buyer["address"]),
            "vat_number": buyer.get("vat_number"),
        },
        "cites": (
            t["cites"].format(number=cites["number"], date=fmt.date(cites["issue_date"]))
            if cites
            else None
        ),
        "lines": [
            {
                "description": line["description"],
                "sku": line.get("sku"),
                "quantity": format_decimal(line["quantity"], locale=fmt.locale),
                "unit_price_net": fmt.money(line["unit_price_net"]),
                "rate": fmt.rate(line["rate"]),
                "net": fmt.money(line["net"]),
            }
            for line in document["lines"]
        ],
        "shipping": (
            {
                "description": shipping["description"],
                "rate": fmt.rate(shipping["rate"]),
                "net": fmt.money(shipping["net"]),
            }
            if shipping
            else None
        ),
        "breakdown": [
            {
                "rate": fmt.rate(row["rate"]),
                "taxable": fmt.money(row["taxable"]),
                "vat": fmt.money(row["vat"]),
            }
            for row in document["breakdown"]
        ],
        "totals": {
            "net": fmt.money(document["net"]),
            "vat": fmt.money(document["vat"]),
            "gross": fmt.money(document["gross"]),
        },
        "mentions": _mentions(fmt.language, document.get("mentions") or ()),
        "paid": t[f"paid_{kind}"] if document.get("paid") else None,
        "payment_terms": _payment_terms(t, fmt, days) if kind == "invoice" else None,
        "footer": document.get("footer"),
        "page_label": escape(t["page"]).format(
            page=Markup('<span class="page"></span>'), pages=Markup('<span class="pages"></span>')
        ),
    }


class _Formatter:
    """babel's formatting for one document: its locale and its currency."""

    def __init__(self, language: str, currency: str) -> None:
        locale = Locale.parse(language.replace("-", "_"))
        # A language without labels prints wholly in English rather than in two languages.
        if locale.language not in LABELS:
            locale = Locale.parse(DEFAULT_LANGUAGE)
        self.locale = locale
        self.language: str = locale.language
        self.currency = currency
        self.digits = get_currency_precision(currency)

    def money(self, minor_units: int) -> str:
        if not isinstance(minor_units, int) or isinstance(minor_units, bool):
            raise TypeError(f"amounts are integer minor units, not {minor_units!r}")
        amount = Decimal(minor_units).scaleb(-self.digits)
        return format_currency(amount, self.currency, locale=self.locale)

    def rate(self, rate: str) -> str:
        # decimal_quantization=False keeps "5.5" from being rounded to the pattern's "6 %".
        return format_percent(Decimal(rate) / 100, locale=self.locale, decimal_quantization=False)

    def date(self, iso: str | None) -> str | None:
        if iso is None:
            return None
        return format_date(date.fromisoformat(iso), format="long", locale=self.locale)

    def address(self, address: Mapping[str, Any]) -> list[str]:
        country = address["country"]
        place = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
        lines = [address.get("line1"), address.get("line2"), place]
        lines.append(self.locale.territories.get(country, country))
        return [line for line in lines if line]


def _mentions(language: str, keys: Sequence[str]) -> list[str]:
    texts = MENTIONS[language]
    unknown = [key for key in keys if key not in texts]
    # A mention the law asks for is never dropped silently.
    if unknown:
        raise ValueError(f"no wording for the mentions {unknown}")
    return [text for key in keys for text in texts[key]]


def _payment_terms(t: Mapping[str, str], fmt: _Formatter, days: int | None) -> str | None:
    if days is None:
        return None
    if days == 0:
        return t["payment_on_receipt"]
    period = format_unit(days, "duration-day", length="long", locale=fmt.locale)
    return t["payment_terms"].format(days=period)


def _logo(logo: Mapping[str, str] | None) -> str | None:
    if not logo:
        return None
    media_type, data = logo["media_type"], logo["data"]
    if media_type not in LOGO_MEDIA_TYPES or not _BASE64.fullmatch(data):
        raise ValueError(f"logo must be base64 data of one of {sorted(LOGO_MEDIA_TYPES)}")
    return f"data:{media_type};base64,{''.join(data.split())}"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _weasyprint() -> Any:
    # Imported on first use: it takes most of a second, which processes that never render
    # (the API, the follower) need not pay.
    import weasyprint

    return weasyprint


def data_only_fetcher() -> URLFetcher:
    """A fetcher that opens ``data:`` URLs and refuses every other (http, file, ftp...).

    A new one per document: WeasyPrint's fetcher keeps a request between calls."""
    fetcher: URLFetcher = _weasyprint().URLFetcher(allowed_protocols={"data"})
    return fetcher


@functools.cache
def _stylesheet() -> CSS:
    """The stylesheet, parsed once per process."""
    text = (TEMPLATES / "invoice.css").read_text(encoding="utf-8")
    css: CSS = _weasyprint().CSS(string=text, url_fetcher=data_only_fetcher())
    return css
