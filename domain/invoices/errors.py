"""The invoices context's errors, one per outcome, each with a stable code."""

from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError, ValidationError


class InvoiceNotFoundError(NotFoundError):
    code = "invoice_not_found"


class AlreadyInvoicedError(ConflictError):
    """The order has its invoice already (at most one per order). The application raises it
    when the invoice's id (``Invoice.id_for_order``) is taken; the event store refuses a second
    one anyway, as a version conflict on that id."""

    code = "already_invoiced"


class InvoicingNotSetUpError(ConflictError):
    """The store's invoicing settings lack what every invoice must show (legal name, address)."""

    code = "invoicing_not_set_up"


class NotCreditableError(ConflictError):
    """A credit note corrects an invoice; it cannot itself be credited."""

    code = "not_creditable"


class NothingToCreditError(ConflictError):
    """The credit asked for nothing, or the invoice is credited in full already."""

    code = "nothing_to_credit"


class CreditExceedsInvoiceError(ConflictError):
    """More units of a line (or the shipping once more) than the invoice has left to credit."""

    code = "credit_exceeds_invoice"


class UnknownInvoiceLineError(ValidationError):
    """A credit names a line the invoice does not have."""

    code = "unknown_invoice_line"


class OrderNotTaxedError(ConflictError):
    """The order keeps no tax result (placed before the VAT engine): an invoice shows the VAT
    the order was taxed with, and this one has none to show."""

    code = "order_not_taxed"


class OrderNotInvoiceableError(ConflictError):
    """The order was cancelled: there is nothing to invoice."""

    code = "order_not_invoiceable"


class BuyerErasedError(ConflictError):
    """The buyer's personal data was erased before the invoice was issued: an invoice must show
    the buyer's name and address, which no longer exist."""

    code = "buyer_erased"
