"""Invoices and credit notes, their number series, and a store's invoicing settings."""

from domain.invoices.aggregates.invoice import Invoice
from domain.invoices.aggregates.series import InvoiceSeries
from domain.invoices.aggregates.settings import InvoicingSettings

__all__ = ["Invoice", "InvoiceSeries", "InvoicingSettings"]
