"""PDF documents: invoices and credit notes drawn with WeasyPrint from an HTML template."""

from adapters.pdf.invoice import render_invoice, render_invoice_html

__all__ = ["render_invoice", "render_invoice_html"]
