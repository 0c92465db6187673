"""Where rendered PDFs and logos are kept (the ``DocumentStore`` port), what draws a PDF (the
``InvoiceRenderer`` port), and the document an invoice is drawn from.

The document is built from the invoice alone (its seller snapshot, lines and tax result), the
buyer opened from its sealed block, and the logo the seller snapshot names: the same invoice
gives the same document, so a PDF rendered again is the same PDF. An erased buyer's block reads
"[erased]" (their country stays: it is part of the tax figures), the figures do not change.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from domain.invoices.aggregates import Invoice
from domain.invoices.policies import net_amounts
from domain.invoices.values import CREDIT_NOTE, INVOICE
from domain.shared.personal import ERASED

PDF = "application/pdf"


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    media_type: str


class DocumentStore(Protocol):
    """Bytes by key: rendered invoices (``pdf_key``) and the logos of invoicing settings
    (``logo_key``)."""

    def put(self, key: str, content: bytes, *, media_type: str, store_id: UUID) -> None:
        """Keeps ``content`` under ``key``, replacing what the key held."""
        ...

    def get(self, key: str) -> StoredDocument | None: ...

    def delete(self, key: str) -> None: ...


# The document (a plain mapping, see adapters/pdf/invoice.py) -> the PDF's bytes.
InvoiceRenderer = Callable[[Mapping[str, Any]], bytes]


def pdf_key(invoice_id: UUID, *, masked: bool) -> str:
    """Where an invoice's PDF is kept; the one drawn for an erased buyer has a key of its own,
    so that a PDF kept from before the erasure is never taken for it."""
    return f"invoice-pdf:{invoice_id}{':masked' if masked else ''}"


def logo_key(store_id: UUID, content: bytes) -> str:
    """A logo's key names its content: a logo is never changed under an invoice that shows it
    (a new logo is a new key), so the invoice renders the same later."""
    return f"logo:{store_id}:{hashlib.sha256(content).hexdigest()}"


# The one word of a document the application writes: the shipping line's.
SHIPPING_WORDS = {"en": "Shipping", "fr": "Frais de livraison", "de": "Versandkosten"}


def _shipping_word(language: str) -> str:
    return SHIPPING_WORDS.get(language.split("_", 1)[0], SHIPPING_WORDS["en"])


def masked_buyer(invoice: Invoice) -> dict[str, Any]:
    """The buyer block of an erased buyer: no name, no address, but the country the sale was
    taxed for."""
    return {
        "name": ERASED,
        "address": {
            "line1": ERASED,
            "line2": None,
            "postal_code": None,
            "city": None,
            "country": invoice.tax["buyer_country"],
        },
    }


def invoice_document(
    invoice: Invoice, *, buyer: Mapping[str, Any] | None, logo: StoredDocument | None
) -> dict[str, Any]:
    """The document ``adapters.pdf.render_invoice`` draws. ``buyer`` is the opened buyer block
    (``{name, address}``), None once erased; ``logo`` the seller's, if it has one."""
    tax = invoice.tax
    sign = -1 if invoice.kind == CREDIT_NOTE else 1
    nets = net_amounts(tax)
    lines = [
        {
            "description": line["description"],
            "sku": line["key"],
            "quantity": line["quantity"],
            "unit_price_net": sign * int(line["unit_price_net"]),
            "rate": line["rate"],
            "net": nets[("line", line["key"])],
        }
        for line in invoice.lines
    ]
    word = _shipping_word(invoice.language)
    shipping = None
    if len(tax["shipping"]) == 1:
        part = tax["shipping"][0]
        shipping = {
            "description": word,
            "rate": part["rate"],
            "net": nets[("shipping", part["rate"])],
        }
    else:
        # Shipping shared over several rates: a line per rate, so each shows its own.
        for part in tax["shipping"]:
            net = nets[("shipping", part["rate"])]
            lines.append(
                {
                    "description": word,
                    "sku": None,
                    "quantity": 1,
                    "unit_price_net": net,
                    "rate": part["rate"],
                    "net": net,
                }
            )
    seller = invoice.seller
    opened = dict(buyer) if buyer is not None else masked_buyer(invoice)
    terms = int(seller.get("payment_terms_days") or 0)
    original = invoice.original
    return {
        "kind": invoice.kind,
        "number": invoice.number_text,
        "issue_date": invoice.issue_date,
        "supply_date": tax["supply_date"],
        "language": invoice.language,
        "currency": invoice.currency,
        "order_number": None,
        "seller": {
            "legal_name": seller["legal_name"],
            "address": dict(seller["address"]),
            "vat_number": seller.get("vat_number"),
            "registration_number": seller.get("registration_number"),
            "iban": seller.get("iban"),
            "bic": seller.get("bic"),
            "logo": (
                {
                    "media_type": logo.media_type,
                    "data": base64.b64encode(logo.content).decode("ascii"),
                }
                if logo is not None
                else None
            ),
        },
        "buyer": {
            "name": opened["name"],
            "company": invoice.buyer_company,
            "address": dict(opened["address"]),
            "vat_number": invoice.buyer_vat_number,
        },
        "lines": lines,
        "shipping": shipping,
        "breakdown": [
            {"rate": b["rate"], "taxable": int(b["taxable"]), "vat": int(b["vat"])}
            for b in tax["breakdown"]
        ],
        "net": invoice.net,
        "vat": invoice.vat,
        "gross": invoice.gross,
        "mentions": list(tax["mentions"]),
        "payment_terms_days": terms if invoice.kind == INVOICE else None,
        "due_date": invoice.due_on.isoformat() if invoice.kind == INVOICE and terms else None,
        "paid": False,
        "footer": seller.get("footer"),
        "cites": (
            {"number": original["number_text"], "issue_date": original["issue_date"]}
            if original
            else None
        ),
    }
