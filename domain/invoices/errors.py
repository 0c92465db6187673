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
