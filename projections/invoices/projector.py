"""Invoices and credit notes as the store's team lists them, and the figures of its VAT return,
fed by the Invoice events: a row per document, and a row per document and VAT rate.

A document's VAT rows are written when it is issued and never change: a credit note is a
document of its own, with negative amounts, counted on the day it is issued (not on its
invoice's). The VAT return of a period is then the sum of the rows issued in it, and a credit
of everything brings an invoice's figures back to zero once both are in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table

from domain.invoices.aggregates import Invoice
from domain.invoices.values import INVOICE, ISSUED
from domain.shared.topics import topics_of
from projections.base import EventEnvelope, Projection
from projections.invoices.tables import define_tables
from projections.writer import Writer

NAME = "invoices"


class InvoicesProjection(Projection):
    name = NAME
    topics = topics_of(Invoice.Issued, Invoice.Credited)

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        w.prefetch(
            "invoices",
            {e.event.originator_id for e in envelopes if isinstance(e.event, Invoice.Credited)},
            columns=("credit_notes",),
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Invoice.Issued):
            self._issued(envelope.position, e, w)
        elif isinstance(e, Invoice.Credited):
            found = w.get("invoices", e.originator_id)
            if found is None:
                raise LookupError(f"no invoice {e.originator_id}: its Issued event is missing")
            w.patch(
                "invoices",
                e.originator_id,
                status=e.status,
                credit_notes=[
                    *found["credit_notes"],
                    {"id": str(e.credit_id), "number_text": e.number_text},
                ],
                updated_at=e.timestamp,
                version=e.originator_version,
            )

    def _issued(self, position: int, e: Any, w: Writer) -> None:
        tax = e.tax
        issued = date.fromisoformat(e.issue_date)
        original = e.original or {}
        terms = int(e.seller.get("payment_terms_days") or 0)
        w.insert(
            "invoices",
            {
                "invoice_id": e.originator_id,
                "store_id": e.store_id,
                "position": position,
                "order_id": e.order_id,
                "customer_id": e.customer_id,
                "kind": e.kind,
                "status": ISSUED,
                "year": e.year,
                "number": e.number,
                "number_text": e.number_text,
                "issue_date": issued,
                "due_date": issued + timedelta(days=terms) if e.kind == INVOICE else None,
                "supply_date": date.fromisoformat(tax["supply_date"]),
                "currency": e.currency,
                "language": e.language,
                "regime": tax["regime"],
                "prices_include_vat": bool(tax["prices_include_vat"]),
                "seller_country": tax["seller_country"],
                "buyer_country": tax["buyer_country"],
                "seller_name": e.seller["legal_name"],
                "seller_vat_number": e.seller.get("vat_number"),
                "buyer_vat_number": e.buyer_vat_number,
                "buyer_company": e.buyer_company,
                "net": int(tax["net"]),
                "vat": int(tax["vat"]),
                "gross": int(tax["gross"]),
                "lines": [dict(line) for line in e.lines],
                "shipping": [dict(part) for part in tax["shipping"]],
                "breakdown": [dict(entry) for entry in tax["breakdown"]],
                "mentions": list(tax["mentions"]),
                "original_id": UUID(str(original["invoice_id"])) if original else None,
                "original_number": original.get("number_text"),
                "original_issue_date": (
                    date.fromisoformat(original["issue_date"]) if original else None
                ),
                "reason": e.reason,
                "credit_notes": [],
                "issued_at": e.timestamp,
                "updated_at": e.timestamp,
                "version": e.originator_version,
            },
        )
        for entry in tax["breakdown"]:
            w.insert(
                "vat_lines",
                {
                    "invoice_id": e.originator_id,
                    "rate": entry["rate"],
                    "store_id": e.store_id,
                    "issue_date": issued,
                    "kind": e.kind,
                    "regime": tax["regime"],
                    "buyer_country": tax["buyer_country"],
                    "taxable": int(entry["taxable"]),
                    "vat": int(entry["vat"]),
                },
            )
