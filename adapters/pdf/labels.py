"""The words of an invoice in each language it is printed in, and the legal mentions.

Translations are data, kept here in one place: a language is a dict with the same keys as English
(a unit test holds them to it). Dates, amounts, rates and country names are not here: babel
formats them for the invoice's locale.

Mentions are what Article 226 of Directive 2006/112/EC asks an invoice to say when it charges no
VAT: point 11 (the provision an exemption rests on) and point 11a ("Reverse charge", in the
words of each language version of the directive: "Autoliquidation", "Steuerschuldnerschaft des
Leistungsempfängers").
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_LANGUAGE = "en"

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "Number",
        "issue_date": "Issue date",
        "supply_date": "Date of supply",
        "order_number": "Order",
        "due_date": "Due date",
        "seller_vat_number": "VAT no.",
        "registration_number": "Registration no.",
        "email": "Email",
        "bill_to": "Bill to",
        "buyer_vat_number": "VAT no.",
        "cites": "Credit note for invoice {number} of {date}",
        "description": "Description",
        "sku": "SKU",
        "quantity": "Qty",
        "unit_price_net": "Unit price excl. VAT",
        "rate": "VAT rate",
        "line_net": "Amount excl. VAT",
        "breakdown": "VAT summary",
        "taxable": "Taxable amount",
        "vat": "VAT",
        "total_net": "Total excl. VAT",
        "total_vat": "Total VAT",
        "total_gross": "Total incl. VAT",
        "payment": "Payment",
        "payment_terms": "Payment terms: {days} net",
        "payment_on_receipt": "Payment terms: due on receipt",
        "paid_invoice": "Paid",
        "paid_credit_note": "Refunded",
        "page": "Page {page} of {pages}",
    },
    "fr": {
        "invoice": "Facture",
        "credit_note": "Avoir",
        "number": "Numéro",
        "issue_date": "Date d'émission",
        "supply_date": "Date de livraison",
        "order_number": "Commande",
        "due_date": "Échéance",
        "seller_vat_number": "N° TVA",
        "registration_number": "RCS",
        "email": "E-mail",
        "bill_to": "Facturé à",
        "buyer_vat_number": "N° TVA",
        "cites": "Avoir relatif à la facture n° {number} du {date}",
        "description": "Désignation",
        "sku": "Réf.",
        "quantity": "Qté",
        "unit_price_net": "Prix unitaire HT",
        "rate": "TVA",
        "line_net": "Montant HT",
        "breakdown": "Récapitulatif de la TVA",
        "taxable": "Base HT",
        "vat": "TVA",
        "total_net": "Total HT",
        "total_vat": "Total TVA",
        "total_gross": "Total TTC",
        "payment": "Paiement",
        "payment_terms": "Conditions de paiement : {days} net",
        "payment_on_receipt": "Conditions de paiement : à réception",
        "paid_invoice": "Payée",
        "paid_credit_note": "Remboursé",
        "page": "Page {page} sur {pages}",
    },
    "de": {
        "invoice": "Rechnung",
        # "Gutschrift" means self-billing in German VAT law (§ 14 Abs. 2 UStG); a seller's
        # correction of its own invoice is a "Rechnungskorrektur".
        "credit_note": "Rechnungskorrektur",
        "number": "Nummer",
        "issue_date": "Rechnungsdatum",
        "supply_date": "Lieferdatum",
        "order_number": "Bestellung",
        "due_date": "Fällig am",
        "seller_vat_number": "USt-IdNr.",
        "registration_number": "Handelsregister",
        "email": "E-Mail",
        "bill_to": "Rechnungsempfänger",
        "buyer_vat_number": "USt-IdNr.",
        "cites": "Korrektur der Rechnung Nr. {number} vom {date}",
        "description": "Bezeichnung",
        "sku": "Art.-Nr.",
        "quantity": "Menge",
        "unit_price_net": "Einzelpreis netto",
        "rate": "USt.",
        "line_net": "Betrag netto",
        "breakdown": "Umsatzsteuer",
        "taxable": "Bemessungsgrundlage",
        "vat": "USt.-Betrag",
        "total_net": "Summe netto",
        "total_vat": "Umsatzsteuer",
        "total_gross": "Gesamtbetrag",
        "payment": "Zahlung",
        "payment_terms": "Zahlungsziel: {days} netto",
        "payment_on_receipt": "Zahlbar sofort nach Erhalt",
        "paid_invoice": "Bezahlt",
        "paid_credit_note": "Erstattet",
        "page": "Seite {page} von {pages}",
    },
}

# Each mention prints as one or more lines. An intra-Community supply of goods is exempt in the
# seller's state (Art. 138) and its VAT is due from the buyer, hence both lines.
MENTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "en": {
        "reverse_charge": (
            "Reverse charge",
            "Exempt intra-Community supply, Article 138 Directive 2006/112/EC",
        ),
        "export": ("Exempt export supply, Article 146 Directive 2006/112/EC",),
        "exempt": ("Exempt supply, Articles 132 and 135 Directive 2006/112/EC",),
    },
    "fr": {
        "reverse_charge": (
            "Autoliquidation",
            "Exonération de TVA, article 138 de la directive 2006/112/CE",
        ),
        "export": ("Exonération de TVA, article 146 de la directive 2006/112/CE",),
        "exempt": ("Exonération de TVA, articles 132 et 135 de la directive 2006/112/CE",),
    },
    "de": {
        "reverse_charge": (
            "Steuerschuldnerschaft des Leistungsempfängers",
            "Steuerfreie innergemeinschaftliche Lieferung, Art. 138 MwStSystRL",
        ),
        "export": ("Steuerfreie Ausfuhrlieferung, Art. 146 MwStSystRL",),
        "exempt": ("Steuerfreier Umsatz, Art. 132 und 135 MwStSystRL",),
    },
}

LANGUAGES: tuple[str, ...] = tuple(LABELS)
