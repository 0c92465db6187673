"""Invoices and credit notes, their gap-free number series, and a store's invoicing settings."""
