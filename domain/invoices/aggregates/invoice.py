"""Invoices and credit notes: documents issued once, with every mention of Article 226 of
Directive 2006/112/EC, and never changed after. A correction is a credit note, a document of its
own (with a number from the credit-note series) that cites the invoice it corrects and takes back
lines, by quantity, and the shipping, at the invoice's rates. The invoice records what each
credit note took, so that credits never exceed it, and the last one leaves exactly nothing."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from domain.invoices.errors import (
    CreditExceedsInvoiceError,
    NotCreditableError,
    NothingToCreditError,
    UnknownInvoiceLineError,
)
from domain.invoices.policies import (
    CreditedSoFar,
    check_tax,
    credit_figures,
    credit_note_tax,
    document_lines,
)
from domain.invoices.values import (
    CREDIT_NOTE,
    CREDITED,
    INVOICE,
    ISSUED,
    MAX_COMPANY,
    MAX_NUMBER,
    MAX_REASON,
    PARTIALLY_CREDITED,
    check_language,
    check_prefix,
    check_seller,
    number_text,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_line, check_storable, check_whole
from domain.shared.errors import ValidationError
from domain.shared.money import check_currency
from domain.shared.topics import stable_topics

# Invoice ids derive from what they are for: one per order, one per (invoice, credit sequence).
NS_INVOICE = UUID("76628cdf-7862-4c2a-997d-633976f5dd03")


def _optional_line(value: object, field: str, limit: int) -> str | None:
    if value is None:
        return None
    return check_line(value, field, limit=limit, required=False) or None


def _check_date(issue_date: object) -> None:
    if not isinstance(issue_date, date) or isinstance(issue_date, datetime):
        raise ValidationError("issue_date", "must be a date")
    check_whole(issue_date.year, "issue_date", low=1000, high=9999)


def _vat_numbers(
    seller_vat: str | None, buyer_vat_number: object, tax: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The seller's and buyer's VAT numbers the invoice shows: those given, else those the
    order was taxed with; never other ones than those it was taxed with."""
    buyer_vat = _optional_line(buyer_vat_number, "buyer_vat_number", 30)
    for field, given, taxed in (
        ("seller.vat_number", seller_vat, tax["seller_vat_number"]),
        ("buyer_vat_number", buyer_vat, tax["buyer_vat_number"]),
    ):
        if given is not None and taxed is not None and given != taxed:
            raise ValidationError(field, "differs from the one the order was taxed with")
    seller_vat = seller_vat or tax["seller_vat_number"]
    buyer_vat = buyer_vat or tax["buyer_vat_number"]
    if tax["regime"] == "intra_eu_b2b" and not (seller_vat and buyer_vat):
        # Article 226 (3) and (4): a reverse-charge invoice shows both parties' VAT numbers.
        raise ValidationError("buyer_vat_number", "an intra-EU B2B supply shows both VAT numbers")
    return seller_vat, buyer_vat


@stable_topics("invoices")
class Invoice(OrionAggregate):
    class Issued(OrionAggregate.Created):
        store_id: UUID
        order_id: UUID
        customer_id: UUID | None  # the order's customer; None for a guest
        kind: str  # invoice | credit_note
        year: int
        number: int  # in the (store, kind, year) series
        number_text: str  # as the document shows it: INV-2026-000001
        issue_date: str  # ISO date
        currency: str
        language: str  # babel locale the document is written in
        seller: dict[str, Any]  # values.SELLER_FIELDS, as the settings were at issue
        buyer_vat_number: str | None
        buyer_company: str | None
        # The buyer's name and address, sealed under ``subject_id`` by the application (as an
        # order's contact is): erasing the person makes them unreadable, the figures stay.
        sealed_buyer: str
        subject_id: UUID
        # [{key, description, tax_category, quantity, unit_price, unit_price_net, amount, rate}]
        # (amount as charged: gross when prices include VAT; negative on a credit note)
        lines: list[dict[str, Any]]
        tax: dict[str, Any]  # the TaxResult dict; a credit note's is the negative of what it takes
        # A credit note's original: {invoice_id, number_text, issue_date, sequence}; else None.
        original: dict[str, Any] | None
        reason: str | None  # why a credit note was issued

    class Credited(OrionAggregate.Event):
        credit_id: UUID
        sequence: int
        number_text: str
        lines: list[dict[str, Any]]  # [{key, quantity, amount}] taken back, amounts positive
        shipping: list[dict[str, Any]]  # [{rate, amount}]
        breakdown: list[dict[str, Any]]  # [{rate, charged, taxable, vat}]
        status: str

        def apply(self, invoice: Any) -> None:
            quantities, amounts = dict(invoice.credited_quantities), dict(invoice.credited_amounts)
            for line in self.lines:
                key = line["key"]
                quantities[key] = quantities.get(key, 0) + line["quantity"]
                amounts[key] = amounts.get(key, 0) + line["amount"]
            by_rate = {rate: dict(figures) for rate, figures in invoice.credited_by_rate.items()}
            for entry in self.breakdown:
                figures = by_rate.setdefault(entry["rate"], {"charged": 0, "taxable": 0, "vat": 0})
                for name in ("charged", "taxable", "vat"):
                    figures[name] += entry[name]
            invoice.credited_quantities = quantities
            invoice.credited_amounts = amounts
            invoice.credited_by_rate = by_rate
            invoice.shipping_credited = invoice.shipping_credited or bool(self.shipping)
            invoice.credit_notes = [*invoice.credit_notes, self.credit_id]
            invoice.status = self.status

    def __init__(
        self,
        store_id: UUID,
        order_id: UUID,
        customer_id: UUID | None,
        kind: str,
        year: int,
        number: int,
        number_text: str,
        issue_date: str,
        currency: str,
        language: str,
        seller: dict[str, Any],
        buyer_vat_number: str | None,
        buyer_company: str | None,
        sealed_buyer: str,
        subject_id: UUID,
        lines: list[dict[str, Any]],
        tax: dict[str, Any],
        original: dict[str, Any] | None,
        reason: str | None,
    ) -> None:
        self.store_id = store_id
        self.order_id = order_id
        self.customer_id = customer_id
        self.kind = kind
        self.year = year
        self.number = number
        self.number_text = number_text
        self.issue_date = issue_date
        self.currency = currency
        self.language = language
        self.seller = copy.deepcopy(seller)
        self.buyer_vat_number = buyer_vat_number
        self.buyer_company = buyer_company
        self.sealed_buyer = sealed_buyer
        self.subject_id = subject_id
        self.lines = copy.deepcopy(lines)
        self.tax = copy.deepcopy(tax)
        self.original = copy.deepcopy(original)
        self.reason = reason
        self.status = ISSUED
        # What credit notes took back (invoices only): units and amounts per line key, figures
        # per rate, whether the shipping went back, and the credit notes in order.
        self.credited_quantities: dict[str, int] = {}
        self.credited_amounts: dict[str, int] = {}
        self.credited_by_rate: dict[str, dict[str, int]] = {}
        self.shipping_credited = False
        self.credit_notes: list[UUID] = []

    # -- ids ----------------------------------------------------------------------------------

    @staticmethod
    def id_for_order(order_id: UUID) -> UUID:
        """The id of an order's invoice: a second invoice for the order collides on it."""
        return uuid5(NS_INVOICE, f"order:{order_id}")

    @staticmethod
    def id_for_credit(invoice_id: UUID, sequence: int) -> UUID:
        """The id of an invoice's ``sequence``-th credit note (1, 2, ...)."""
        return uuid5(NS_INVOICE, f"credit:{invoice_id}:{sequence}")

    # -- issuing ------------------------------------------------------------------------------

    @classmethod
    def issue(
        cls,
        *,
        store_id: UUID,
        order_id: UUID,
        customer_id: UUID | None,
        number: int,
        prefix: str,
        issue_date: date,
        currency: str,
        language: str,
        seller: dict[str, Any],
        buyer_vat_number: str | None,
        buyer_company: str | None,
        sealed_buyer: str,
        subject_id: UUID,
        lines: list[dict[str, Any]],
        tax: dict[str, Any],
        at: datetime,
    ) -> Invoice:
        """The order's invoice. ``number`` comes from the store's invoice series of the issue
        date's year (``InvoiceSeries.allocate``) and ``prefix`` from its settings, both saved
        with the invoice; ``seller`` from ``InvoicingSettings.seller``; ``lines`` are the order's
        lines (``{key, description}``, and optionally ``quantity``, ``unit_price``, ``rate``,
        ``tax_category`` to check against the tax result); ``tax`` is the tax engine's result
        the order was taxed with."""
        checked_tax = check_tax(tax)
        checked_seller = check_seller(seller)
        checked_seller["vat_number"], buyer_vat = _vat_numbers(
            checked_seller["vat_number"], buyer_vat_number, checked_tax
        )
        _check_date(issue_date)
        check_whole(number, "number", low=1, high=MAX_NUMBER)
        if not check_storable(sealed_buyer, "sealed_buyer"):
            raise ValidationError("sealed_buyer", "must hold the buyer's sealed name and address")
        checked_prefix = check_prefix(prefix, "prefix")
        return cls._create(
            cls.Issued,
            id=cls.id_for_order(order_id),
            timestamp=at,
            store_id=store_id,
            order_id=order_id,
            customer_id=customer_id,
            kind=INVOICE,
            year=issue_date.year,
            number=number,
            number_text=number_text(checked_prefix, issue_date.year, number),
            issue_date=issue_date.isoformat(),
            currency=check_currency(currency),
            language=check_language(language),
            seller=checked_seller,
            buyer_vat_number=buyer_vat,
            buyer_company=_optional_line(buyer_company, "buyer_company", MAX_COMPANY),
            sealed_buyer=sealed_buyer,
            subject_id=subject_id,
            lines=document_lines(lines, checked_tax),
            tax=checked_tax,
            original=None,
            reason=None,
        )

    # -- reading ------------------------------------------------------------------------------

    @property
    def issued_on(self) -> date:
        return date.fromisoformat(self.issue_date)

    @property
    def due_on(self) -> date:
        """The payment due date: the issue date plus the seller's payment terms."""
        return self.issued_on + timedelta(days=int(self.seller.get("payment_terms_days") or 0))

    @property
    def net(self) -> int:
        return int(self.tax["net"])

    @property
    def vat(self) -> int:
        return int(self.tax["vat"])

    @property
    def gross(self) -> int:
        return int(self.tax["gross"])

    @property
    def breakdown(self) -> list[dict[str, Any]]:
        """[{rate, taxable, vat}] per rate: the document's own (negative on a credit note)."""
        return [dict(entry) for entry in self.tax["breakdown"]]

    @property
    def next_credit_id(self) -> UUID:
        """The id the next credit note of this invoice will have."""
        return self.id_for_credit(self.id, len(self.credit_notes) + 1)

    def left_to_credit(self) -> dict[str, int]:
        """Units of each line (by key) that no credit note has taken back yet."""
        return {line["key"]: self._so_far().left(line) for line in self.tax["lines"]}

    @property
    def shipping_left_to_credit(self) -> bool:
        return bool(self.tax["shipping"]) and not self.shipping_credited

    def _so_far(self) -> CreditedSoFar:
        return CreditedSoFar(
            quantities=self.credited_quantities,
            amounts=self.credited_amounts,
            shipping=self.shipping_credited,
            by_rate=self.credited_by_rate,
        )

    # -- crediting ----------------------------------------------------------------------------

    def credit(
        self,
        *,
        number: int,
        prefix: str,
        issue_date: date,
        reason: str,
        lines: list[dict[str, Any]] | None = None,
        shipping: bool | None = None,
        at: datetime,
    ) -> Invoice:
        """A credit note for this invoice, returned to be saved with it (and with the credit
        note series its ``number`` comes from). ``lines`` names ``{key, quantity}`` to take
        back; None takes every unit left. ``shipping`` True takes the shipping back, False
        leaves it; None takes it when ``lines`` is None (a credit of everything left) and
        leaves it otherwise. The credit note cites this invoice and uses its rates."""
        if self.kind != INVOICE:
            raise NotCreditableError(
                f"{self.number_text} is a credit note: only an invoice can be credited",
                invoice_id=str(self.id),
            )
        check_whole(number, "number", low=1, high=MAX_NUMBER)
        checked_prefix = check_prefix(prefix, "prefix")
        _check_date(issue_date)
        if issue_date < self.issued_on:
            raise ValidationError(
                "issue_date", f"a credit note cannot predate the invoice ({self.issue_date})"
            )
        checked_reason = check_line(reason, "reason", limit=MAX_REASON)
        quantities = self._quantities(lines)
        take_shipping = (
            lines is None and self.shipping_left_to_credit
            if shipping is None
            else self._take_shipping(shipping)
        )
        if not quantities and not take_shipping:
            raise NothingToCreditError(
                f"{self.number_text} has nothing left to credit"
                if self.status == CREDITED
                else "the credit names nothing to take back",
                invoice_id=str(self.id),
            )
        figures = credit_figures(
            self.tax, quantities=quantities, shipping=take_shipping, so_far=self._so_far()
        )
        sequence = len(self.credit_notes) + 1
        note_id = self.id_for_credit(self.id, sequence)
        described = {line["key"]: line for line in self.lines}
        note = type(self)._create(
            self.Issued,
            id=note_id,
            timestamp=at,
            store_id=self.store_id,
            order_id=self.order_id,
            customer_id=self.customer_id,
            kind=CREDIT_NOTE,
            year=issue_date.year,
            number=number,
            number_text=number_text(checked_prefix, issue_date.year, number),
            issue_date=issue_date.isoformat(),
            currency=self.currency,
            language=self.language,
            seller=self.seller,
            buyer_vat_number=self.buyer_vat_number,
            buyer_company=self.buyer_company,
            sealed_buyer=self.sealed_buyer,
            subject_id=self.subject_id,
            lines=[
                {**described[line["key"]], "quantity": line["quantity"], "amount": -line["amount"]}
                for line in figures.lines
            ],
            tax=credit_note_tax(self.tax, figures),
            original={
                "invoice_id": self.id,
                "number_text": self.number_text,
                "issue_date": self.issue_date,
                "sequence": sequence,
            },
            reason=checked_reason,
        )
        self._trigger(
            self.Credited,
            at,
            credit_id=note_id,
            sequence=sequence,
            number_text=note.number_text,
            lines=figures.lines,
            shipping=figures.shipping,
            breakdown=figures.breakdown,
            status=CREDITED if figures.final else PARTIALLY_CREDITED,
        )
        return note

    def _quantities(self, lines: list[dict[str, Any]] | None) -> dict[str, int]:
        left = self.left_to_credit()
        if lines is None:
            return {key: units for key, units in left.items() if units}
        if not isinstance(lines, list):
            raise ValidationError("lines", "must list {key, quantity} to credit")
        quantities: dict[str, int] = {}
        for i, item in enumerate(lines):
            key = item.get("key") if isinstance(item, dict) else None
            if key not in left:
                raise UnknownInvoiceLineError(
                    f"lines[{i}].key", f"{self.number_text} has no line {key!r}", key=key
                )
            if key in quantities:
                raise ValidationError(f"lines[{i}].key", "appears twice")
            quantity = check_whole(item.get("quantity"), f"lines[{i}].quantity", low=1)
            if quantity > left[key]:
                raise CreditExceedsInvoiceError(
                    f"{key}: only {left[key]} left to credit", key=key, left_to_credit=left[key]
                )
            quantities[key] = quantity
        return quantities

    def _take_shipping(self, wanted: bool) -> bool:
        if not isinstance(wanted, bool):
            raise ValidationError("shipping", "must be true or false")
        if not wanted or not self.tax["shipping"]:
            return False  # an invoice that charged no shipping has none to take back
        if self.shipping_credited:
            raise CreditExceedsInvoiceError(
                "the shipping is credited already", shipping=True, left_to_credit=0
            )
        return True
