"""Bodies and answers of invoices, credit notes, a store's invoicing settings and its VAT
figures. Limits here are the transport's; the rules (what an invoice must show, what is left
to credit, IBANs, locales) are the domain's.

Amounts are integer minor units of the invoice's currency; rates are decimal strings ("17",
"5.5"). A credit note's amounts are negative.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.invoices.settings import MAX_LOGO_BYTES
from domain.inventory.values import MAX_QUANTITY
from domain.invoices.values import (
    MAX_ADDRESS_LINE,
    MAX_FOOTER,
    MAX_LEGAL_NAME,
    MAX_LINES,
    MAX_PAYMENT_TERMS_DAYS,
    MAX_REASON,
    MAX_REGISTRATION,
)
from interfaces.api.common import CommandAnswer, CountryCode, Omittable, StrictModel

PREFIX_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?)?$"
# Base64 of at most MAX_LOGO_BYTES bytes (4 characters per 3 bytes).
MAX_LOGO_TEXT = (MAX_LOGO_BYTES + 2) // 3 * 4

# -- invoicing settings -------------------------------------------------------------------------


class Address(StrictModel):
    line1: str = Field(min_length=1, max_length=MAX_ADDRESS_LINE)
    line2: str | None = Field(default=None, max_length=MAX_ADDRESS_LINE)
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=MAX_ADDRESS_LINE)
    country: CountryCode


class AddressPublic(BaseModel):
    line1: str
    line2: str | None
    postal_code: str
    city: str
    country: str


class InvoicingSettingsPublic(BaseModel):
    legal_name: str | None
    address: AddressPublic | None
    registration_number: str | None
    iban: str | None
    bic: str | None
    payment_terms_days: int
    footer: str | None
    logo: str | None = Field(description="the kept logo's key, or None")
    language: str
    series_prefix: str
    credit_note_prefix: str
    issue_on_payment: bool
    version: int = Field(description="of the settings (0: never set); If-Match takes it")


class InvoicingSettingsChange(StrictModel):
    """The settings to change (at least one); a member left out is kept, null clears an
    optional one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "legal_name": "Golden Books Sàrl",
                    "address": {
                        "line1": "12 rue de la Gare",
                        "postal_code": "L-1611",
                        "city": "Luxembourg",
                        "country": "LU",
                    },
                    "registration_number": "B123456",
                    "iban": "LU28 0019 4006 4475 0000",
                    "bic": "BCEELULL",
                    "payment_terms_days": 14,
                    "language": "fr_LU",
                    "series_prefix": "INV",
                }
            ]
        }
    )

    legal_name: str | None = Field(default=None, max_length=MAX_LEGAL_NAME)
    address: Address | None = None
    registration_number: str | None = Field(
        default=None, max_length=MAX_REGISTRATION, description="the trade register (RCS) number"
    )
    iban: str | None = Field(default=None, max_length=50)
    bic: str | None = Field(default=None, max_length=20)
    payment_terms_days: int = Omittable(ge=0, le=MAX_PAYMENT_TERMS_DAYS)
    footer: str | None = Field(default=None, max_length=MAX_FOOTER)
    logo: str | None = Field(
        default=None,
        max_length=MAX_LOGO_TEXT,
        description=f"a PNG or JPEG image, base64, at most {MAX_LOGO_BYTES // 1000} kB; "
        "null removes the logo",
    )
    language: str = Omittable(
        min_length=2,
        max_length=16,
        description="the locale invoices are written in: en, fr or de, or a regional one "
        "(fr_LU, de_DE)",
    )
    series_prefix: str = Omittable(max_length=10, pattern=PREFIX_PATTERN)
    credit_note_prefix: str = Omittable(max_length=10, pattern=PREFIX_PATTERN)
    issue_on_payment: bool = Omittable()


# -- commands on invoices -----------------------------------------------------------------------


class CreditLine(StrictModel):
    key: str = Field(min_length=1, max_length=64, description="the invoice line's key (its SKU)")
    # More than is left to credit is a 409 saying how many are.
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class CreditNoteCreate(StrictModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    # Left out: every unit left to credit (and then the shipping too, unless ``shipping`` is
    # false).
    lines: list[CreditLine] | None = Field(default=None, max_length=MAX_LINES)
    # Left out: with every unit left; otherwise not.
    shipping: bool | None = None


class InvoiceIssued(CommandAnswer):
    """The command's answer, and the document it issued."""

    invoice_id: UUID
    kind: str
    number: str
    issue_date: date
    net: int
    vat: int
    gross: int


# -- answers --------------------------------------------------------------------------------


class InvoiceSummary(BaseModel):
    id: UUID
    order_id: UUID
    customer_id: UUID | None
    kind: str = Field(json_schema_extra={"enum": ["invoice", "credit_note"]})
    status: str = Field(json_schema_extra={"enum": ["issued", "partially_credited", "credited"]})
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    regime: str
    buyer_country: str
    buyer_company: str | None
    buyer_vat_number: str | None
    net: int
    vat: int
    gross: int
    # A credit note's invoice.
    original_id: UUID | None
    original_number: str | None
    issued_at: datetime
    version: int


class InvoiceList(BaseModel):
    items: list[InvoiceSummary]
    next_cursor: str | None


class InvoiceLine(BaseModel):
    key: str
    description: str
    tax_category: str
    quantity: int
    unit_price: int = Field(description="as charged: with VAT when the prices include it")
    unit_price_net: int
    amount: int
    rate: str


class ShippingPart(BaseModel):
    rate: str
    amount: int


class RateFigures(BaseModel):
    rate: str
    taxable: int
    vat: int


class CreditNoteRef(BaseModel):
    id: UUID
    number: str


class InvoiceDetail(InvoiceSummary):
    year: int
    sequence: int = Field(description="the number in its series (store, kind, year)")
    supply_date: date
    language: str
    prices_include_vat: bool
    seller_country: str
    seller_name: str
    seller_vat_number: str | None
    lines: list[InvoiceLine]
    shipping: list[ShippingPart]
    breakdown: list[RateFigures]
    mentions: list[str]
    original_issue_date: date | None
    reason: str | None
    credit_notes: list[CreditNoteRef]
    updated_at: datetime


# -- VAT figures --------------------------------------------------------------------------------


class VatRow(BaseModel):
    regime: str
    rate: str
    taxable: int
    vat: int
    documents: int = Field(description="invoices and credit notes counted")


class VatReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    period_from: date = Field(alias="from")
    period_to: date = Field(alias="to")
    currency: str | None = Field(description="None when nothing was issued")
    rows: list[VatRow]
    taxable: int
    vat: int


class OssRow(BaseModel):
    country: str = Field(description="the member state of destination")
    rate: str
    taxable: int
    vat: int
    documents: int


class OssReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    quarter: str
    period_from: date = Field(alias="from")
    period_to: date = Field(alias="to")
    currency: str | None
    rows: list[OssRow]
    taxable: int
    vat: int


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A read-model row in the answers' names."""
    return {
        **row,
        "id": row["invoice_id"],
        "sequence": row.get("number"),
        "number": row["number_text"],
        "credit_notes": [
            {"id": note["id"], "number": note["number_text"]}
            for note in row.get("credit_notes") or []
        ],
    }
