"""Invoice documents as the application hands them to the PDF renderer (plain dicts)."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any


def png(width: int = 60, height: int = 24, rgb: tuple[int, int, int] = (20, 60, 140)) -> bytes:
    """A plain PNG of one colour, written by hand so that the tests need no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def address(line1: str, postal_code: str, city: str, country: str) -> dict[str, Any]:
    return {
        "line1": line1,
        "line2": None,
        "postal_code": postal_code,
        "city": city,
        "country": country,
    }


def invoice_document(language: str = "fr", **changes: Any) -> dict[str, Any]:
    """A Luxembourg shop's invoice to a French business: books at 3%, a notebook at 17%."""
    document: dict[str, Any] = {
        "kind": "invoice",
        "number": "2026-000042",
        "issue_date": "2026-12-02",
        "supply_date": "2026-12-01",
        "language": language,
        "currency": "EUR",
        "order_number": "1042",
        "seller": {
            "legal_name": "Acme Sàrl",
            "address": address("12, rue de la Gare", "L-1234", "Luxembourg", "LU"),
            "vat_number": "LU26375245",
            "registration_number": "B123456",
            "iban": "LU28 0019 4006 4475 0000",
            "bic": "BCEELULL",
            "email": "invoices@acme.example",
            "logo": {"media_type": "image/png", "data": base64.b64encode(png()).decode()},
        },
        "buyer": {
            "name": "Marie Curie",
            "company": "Curie SA",
            "address": address("1 place du Panthéon", "75005", "Paris", "FR"),
            "vat_number": "FR40303265045",
        },
        "lines": [
            {
                "description": "Le Petit Prince",
                "sku": "BOOK-1",
                "quantity": 2,
                "unit_price_net": 971,
                "rate": "3",
                "net": 1942,
            },
            {
                "description": "Notebook",
                "sku": "NOTE-7",
                "quantity": 3,
                "unit_price_net": 1000,
                "rate": "17",
                "net": 3000,
            },
        ],
        "shipping": {"description": "Shipping", "net": 485, "rate": "3"},
        "breakdown": [
            {"rate": "3", "taxable": 2427, "vat": 73},
            {"rate": "17", "taxable": 3000, "vat": 510},
        ],
        "net": 5427,
        "vat": 583,
        "gross": 6010,
        "mentions": [],
        "payment_terms_days": 30,
        "due_date": "2027-01-01",
        "paid": False,
        "footer": "Thank you for your order.",
        "cites": None,
    }
    document.update(changes)
    return document


def reverse_charge_document(language: str = "fr") -> dict[str, Any]:
    """The same sale as an intra-Community supply to a business: 0% and the mention."""
    return invoice_document(
        language,
        lines=[
            {
                "description": "Le Petit Prince",
                "sku": "BOOK-1",
                "quantity": 2,
                "unit_price_net": 943,
                "rate": "0",
                "net": 1886,
            }
        ],
        shipping=None,
        breakdown=[{"rate": "0", "taxable": 1886, "vat": 0}],
        net=1886,
        vat=0,
        gross=1886,
        mentions=["reverse_charge"],
    )


def credit_note_document(language: str = "fr") -> dict[str, Any]:
    """A partial credit note: one of the two books of invoice 2026-000042 comes back."""
    return invoice_document(
        language,
        kind="credit_note",
        number="2026-C00007",
        issue_date="2026-12-10",
        lines=[
            {
                "description": "Le Petit Prince",
                "sku": "BOOK-1",
                "quantity": 1,
                "unit_price_net": -971,
                "rate": "3",
                "net": -971,
            }
        ],
        shipping=None,
        breakdown=[{"rate": "3", "taxable": -971, "vat": -29}],
        net=-971,
        vat=-29,
        gross=-1000,
        due_date=None,
        paid=True,
        cites={"number": "2026-000042", "issue_date": "2026-12-02"},
    )
