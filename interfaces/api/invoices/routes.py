"""Invoices and credit notes (the store's team's side: issue, credit, find, download), the
store's invoicing settings, its VAT return and OSS figures, and the customer's own invoice in
the shop.

Lists, details and figures read the invoices read model (``min_position`` reads one's own
writes); issuing, crediting and the settings are commands; a PDF is drawn from the invoice
itself, on demand when the job has not drawn it yet. The figures answer JSON, or CSV with
``?format=csv`` (amounts in minor units there too).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.invoices.aggregates import Invoice
from domain.invoices.errors import InvoiceNotFoundError
from domain.invoices.values import KINDS, STATUSES
from domain.shared.errors import ValidationError
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, QueryDate, answer
from interfaces.api.deps import CommandCtx, IfMatch, OrionDep, read_after, store_permission
from interfaces.api.identity.routes.account import CustomerDep
from interfaces.api.invoices.schemas import (
    CreditNoteCreate,
    InvoiceDetail,
    InvoiceIssued,
    InvoiceList,
    InvoiceSummary,
    InvoicingSettingsChange,
    InvoicingSettingsPublic,
    OssReport,
    VatReport,
    summary,
)
from projections.invoices import queries
from projections.invoices.projector import NAME as INVOICES

settings = APIRouter(
    prefix="/api/v1/stores/{store_id}/settings/invoicing", tags=["store: settings"]
)
store = APIRouter(prefix="/api/v1/stores/{store_id}", tags=["store: invoices"])
shop = APIRouter(prefix="/api/v1/shop/{store_code}/account/orders", tags=["shop: account"])
SettingsRead = Annotated[StoreAccess, Depends(store_permission("settings", "read"))]
SettingsWrite = Annotated[StoreAccess, Depends(store_permission("settings", "write"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("invoices", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("invoices", "write"))]
Fresh = Annotated[int | None, Depends(read_after(INVOICES))]
Cursor = Annotated[str | None, Query(max_length=500)]
Format = Annotated[
    Literal["json", "csv"],
    Query(description="json, or csv: the rows as text/csv (amounts in minor units)"),
]
PDF = "application/pdf"
CSV = "text/csv"
PDF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document as PDF",
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }
}
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV: {"schema": {"type": "string"}}}},
}


def _private(response: Response) -> None:
    # Invoices name their buyers: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"


def _issued(orion_result: Any, response: Response, document: Invoice) -> InvoiceIssued:
    response.headers["Location"] = f"/api/v1/stores/{document.store_id}/invoices/{document.id}"
    command = answer(orion_result, response)
    return InvoiceIssued(
        **command.model_dump(),
        invoice_id=document.id,
        kind=document.kind,
        number=document.number_text,
        issue_date=document.issued_on,
        net=document.net,
        vat=document.vat,
        gross=document.gross,
    )


def _pdf(document: Invoice, content: bytes) -> Response:
    return Response(
        content,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{document.number_text}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


# -- the store's invoicing settings -------------------------------------------------------------


@settings.get("", response_model=InvoicingSettingsPublic)
def get_settings(
    store_id: UUID, orion: OrionDep, _: SettingsRead, response: Response
) -> InvoicingSettingsPublic:
    """Read from the write side (one small aggregate per store): the defaults until set.
    Platform admins pass the permission check for any id: an unknown store is a 404."""
    values, version = orion.invoicing.settings(store_id)
    response.headers["ETag"] = f'"{version}"'
    return InvoicingSettingsPublic.model_validate({**values, "version": version})


@settings.patch("", response_model=CommandAnswer)
def change_settings(
    store_id: UUID,
    body: InvoicingSettingsChange,
    orion: OrionDep,
    ctx: CommandCtx,
    _: SettingsWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """``If-Match`` (optional) is the settings' version (0 before they were ever set)."""
    values = body.model_dump(exclude_unset=True)
    if not values:
        raise ValidationError("body", "name at least one setting to change")
    if values.get("logo") is not None:
        try:
            values["logo"] = base64.b64decode(values["logo"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("logo", "must be base64 (a PNG or JPEG image)") from None
    result = orion.invoicing.change_settings(ctx, store_id, values, expected_version=version)
    return answer(result, response)


# -- issuing and crediting ----------------------------------------------------------------------


@store.post("/orders/{order_id}/invoice", status_code=201, response_model=InvoiceIssued)
def issue_invoice(
    store_id: UUID,
    order_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> InvoiceIssued:
    """The order's invoice, numbered in the store's series of the year. An order has one at
    most (409 ``already_invoiced``); an order that keeps no tax result, a cancelled one, an
    erased buyer and unfinished invoicing settings are 409s that say so."""
    issued = orion.invoices.issue_for_order(ctx, store_id, order_id)
    return _issued(issued.result, response, issued.document)


@store.post("/invoices/{invoice_id}/credit-notes", status_code=201, response_model=InvoiceIssued)
def credit_invoice(
    store_id: UUID,
    invoice_id: UUID,
    body: CreditNoteCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> InvoiceIssued:
    """A credit note for lines (by key and quantity) and, with ``shipping``, the shipping, at
    the invoice's rates. More than is left to credit is a 409 saying how much is."""
    issued = orion.invoices.credit(
        ctx,
        store_id,
        invoice_id,
        reason=body.reason,
        lines=None if body.lines is None else [line.model_dump() for line in body.lines],
        shipping=body.shipping,
    )
    return _issued(issued.result, response, issued.document)


# -- finding and downloading --------------------------------------------------------------------


@store.get("/invoices", response_model=InvoiceList)
def list_invoices(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    issued_from: Annotated[QueryDate | None, Query(alias="from")] = None,
    issued_to: Annotated[QueryDate | None, Query(alias="to")] = None,
    kind: Annotated[str | None, Query(pattern=f"^({'|'.join(KINDS)})$")] = None,
    status: Annotated[str | None, Query(pattern=f"^({'|'.join(STATUSES)})$")] = None,
    customer_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InvoiceList:
    """Newest first. ``from`` and ``to`` are issue dates, both included."""
    orion.stores.get(store_id)  # an unknown store is a 404 (admins pass the permission check)
    rows, next_cursor = queries.list_invoices(
        orion.read,
        store_id,
        issued_from=issued_from,
        issued_to=issued_to,
        kind=kind,
        status=status,
        customer_id=customer_id,
        cursor=cursor,
        limit=limit,
    )
    _private(response)
    return InvoiceList(
        items=[InvoiceSummary.model_validate(summary(r)) for r in rows], next_cursor=next_cursor
    )


@store.get("/invoices/{invoice_id}", response_model=InvoiceDetail)
def get_invoice(
    store_id: UUID, invoice_id: UUID, orion: OrionDep, _: CanRead, __: Fresh, response: Response
) -> InvoiceDetail:
    row = queries.get_invoice(orion.read, store_id, invoice_id)
    if row is None:
        raise InvoiceNotFoundError(f"no invoice {invoice_id}", invoice_id=str(invoice_id))
    _private(response)
    return InvoiceDetail.model_validate(summary(row))


@store.get("/invoices/{invoice_id}/pdf", response_class=Response, responses=PDF_ANSWER)
def download_invoice(
    store_id: UUID, invoice_id: UUID, orion: OrionDep, _: CanRead, __: Fresh
) -> Response:
    """The invoice or credit note as PDF (drawn now if the job has not drawn it yet)."""
    document, content = orion.invoice_pdfs.pdf(store_id, invoice_id)
    return _pdf(document, content)


@shop.get("/{order_id}/invoice", response_class=Response, responses=PDF_ANSWER)
def my_invoice(order_id: UUID, me: CustomerDep, orion: OrionDep, _: Fresh) -> Response:
    """The invoice of one of the customer's orders, as PDF; an order without one, or anyone
    else's, has none here."""
    document, content = orion.invoice_pdfs.for_customer(me.store_id, me.customer_id, order_id)
    return _pdf(document, content)


# -- the VAT figures ----------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: list[dict[str, Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[column] for column in header])
    return Response(
        out.getvalue(),
        media_type=f"{CSV}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@store.get("/reports/vat", response_model=VatReport, responses=CSV_ANSWER)
def vat_report(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    issued_from: Annotated[QueryDate, Query(alias="from")],
    issued_to: Annotated[QueryDate, Query(alias="to")],
    format: Format = "json",
) -> Any:
    """The VAT return's figures: per regime and rate, the taxable amount and the VAT of the
    documents issued from ``from`` to ``to`` (both included). A credit note counts, negative,
    in the period it is issued."""
    orion.stores.get(store_id)  # an unknown store is a 404 (admins pass the permission check)
    figures = queries.vat_report(orion.read, store_id, issued_from, issued_to)
    if format == "csv":
        return _csv(
            ("regime", "rate", "taxable", "vat", "documents"),
            figures["rows"],
            f"vat-{_day(issued_from)}-{_day(issued_to)}",
        )
    _private(response)
    return VatReport.model_validate(figures)


@store.get("/reports/oss", response_model=OssReport, responses=CSV_ANSWER)
def oss_report(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    quarter: Annotated[
        str, Query(pattern="^[0-9]{4}-Q[1-4]$", description="a calendar quarter: 2026-Q3")
    ],
    format: Format = "json",
) -> Any:
    """The One-Stop-Shop return's figures for a quarter: the sales taxed at destination under
    the Union scheme, per member state of destination and rate; credit notes in the quarter
    they are issued."""
    orion.stores.get(store_id)
    figures = queries.oss_report(orion.read, store_id, quarter)
    if format == "csv":
        return _csv(
            ("country", "rate", "taxable", "vat", "documents"),
            figures["rows"],
            f"oss-{figures['quarter']}",
        )
    _private(response)
    return OssReport.model_validate(figures)


def _day(value: date) -> str:
    return value.isoformat()


router = APIRouter()
for sub in (settings, store, shop):
    router.include_router(sub)
