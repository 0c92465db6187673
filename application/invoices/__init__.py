"""Invoices and credit notes: issuing, crediting, the store's invoicing settings, and PDFs."""
