"""The tax context's vocabulary: tax categories, regimes, invoice mentions, the member states,
and which rate of a member state each named tax category takes.

A product's ``tax_category`` is one of ``TaxCategory``. The generic ones name a kind of rate
(``standard``, ``reduced``, ``super_reduced``) or no VAT (``zero``, ``exempt``); the named ones
(``books``, ``food``...) are looked up per member state and date in ``CATEGORY_ROWS``, so that a
book is 3% in Luxembourg and 5.5% in France. A named category a state does not list here takes
that state's standard rate: charging too much VAT can be corrected by a credit note, charging
too little is the seller's loss.

What the named categories cover (the rate most such goods take; a shop whose goods are an
exception files them under a generic category):

- ``books``: printed books (not mainly advertising, video or music);
- ``newspapers``: newspapers and periodicals (for BE and DK: the dailies and weeklies of general
  news that their zero rate covers);
- ``food``: basic foodstuffs for human consumption bought in a shop (bread, milk, eggs, fruit and
  vegetables), not catering, alcohol, sweets or soft drinks;
- ``medicines``: medicinal products for human use sold without prescription (prescription-only
  medicines, which some states zero-rate, are not sold in a web shop);
- ``childrens_clothing``: clothing and footwear for children (IE: under 11; LU: under 14).

Kinds of rate (``RATE_KINDS``): ``standard``; ``reduced`` and ``reduced2``, the higher and the
lower of a state's two reduced rates of 5% or more (where a state merged them, both name the
merged rate; where it has a third one that only services take, MT 12% and EE 13% before 2025,
it is left out); ``super_reduced``, a rate below 5%; ``parking``, a rate kept under Art. 118 of
Directive 2006/112/EC; ``zero``, 0% with the right to deduct; ``temporary``, a short-lived rate
that fits none of these (ES 2% on basic food in the last quarter of 2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class TaxCategory(StrEnum):
    """The VAT rate family a product falls in; the tax engine maps it to a rate per country."""

    STANDARD = "standard"
    REDUCED = "reduced"
    SUPER_REDUCED = "super_reduced"
    ZERO = "zero"
    EXEMPT = "exempt"
    BOOKS = "books"
    FOOD = "food"
    CHILDRENS_CLOTHING = "childrens_clothing"
    MEDICINES = "medicines"
    NEWSPAPERS = "newspapers"


# The categories that name a kind of rate directly; the others are looked up in CATEGORY_ROWS.
GENERIC_KINDS: dict[str, str] = {
    TaxCategory.STANDARD: "standard",
    TaxCategory.REDUCED: "reduced",
    TaxCategory.SUPER_REDUCED: "super_reduced",
    TaxCategory.ZERO: "zero",
    TaxCategory.EXEMPT: "exempt",
}
NAMED_CATEGORIES = frozenset(TaxCategory) - frozenset(GENERIC_KINDS)


class Regime(StrEnum):
    """How a sale is taxed: whose rates, or none and why."""

    DOMESTIC = "domestic"
    EU_B2C_ORIGIN = "eu_b2c_origin"
    EU_B2C_DESTINATION = "eu_b2c_destination"
    INTRA_EU_B2B = "intra_eu_b2b"
    EXPORT = "export"
    EXEMPT = "exempt"


class Mention(StrEnum):
    """The legal mention an invoice must carry when it charges no VAT; invoices translate it."""

    REVERSE_CHARGE = "reverse_charge"
    EXPORT = "export"
    EXEMPT = "exempt"


MENTION_TEXT: dict[Mention, str] = {
    Mention.REVERSE_CHARGE: (
        "Reverse charge: exempt intra-Community supply of goods (Article 138 of Directive "
        "2006/112/EC); VAT is due from the customer (Article 196)."
    ),
    Mention.EXPORT: "Exempt export of goods outside the EU (Article 146 of Directive 2006/112/EC).",
    Mention.EXEMPT: "VAT exempt supply (Articles 132 and 135 of Directive 2006/112/EC).",
}

RATE_KINDS = ("standard", "reduced", "reduced2", "super_reduced", "parking", "zero", "temporary")

# ISO 3166-1 codes of the 27 member states. Greece is GR, though its VAT numbers start with EL.
EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
VAT_PREFIX_OF_COUNTRY = {"GR": "EL"}
COUNTRY_OF_VAT_PREFIX = {"EL": "GR"}

# Where a state spans several time zones, the one of its capital (mainland Spain and Portugal:
# the Canaries and the Azores are outside the EU's VAT territory or rarely served).
TIME_ZONES: dict[str, str] = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GR": "Europe/Athens",
    "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
    "IT": "Europe/Rome", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava",
}  # fmt: skip

# Art. 59c of Directive 2006/112/EC: EUR 10,000 of EU-wide distance sales a year, in cents.
DISTANCE_SALES_THRESHOLD = 1_000_000

# The first day the rate table answers for: every state has a row of each of its kinds from here.
TABLE_START = date(2023, 1, 1)


@dataclass(frozen=True)
class CategoryRow:
    """From ``valid_from`` on, ``category`` takes the ``kind`` of rate of ``country``."""

    country: str
    category: str
    kind: str
    valid_from: date
    source: str


_S = TABLE_START
# Rows whose figures this table's authors could not check against a second, recent source.
UNCHECKED = (
    "European Commission, 'VAT rates applied in the Member States of the European Union' "
    "(TAXUD, situation at 1 January 2021), not re-checked"
)


def _rows(
    country: str, source: str, *entries: tuple[str, str] | tuple[str, str, date, str]
) -> tuple[CategoryRow, ...]:
    """A state's rows: ``(category, kind)`` from the table's start with the state's common
    source, or ``(category, kind, valid_from, source)`` for a change."""
    rows = []
    for entry in entries:
        if len(entry) == 2:
            rows.append(CategoryRow(country, entry[0], entry[1], _S, source))
        else:
            rows.append(CategoryRow(country, entry[0], entry[1], entry[2], entry[3]))
    return tuple(rows)


B, F, C, M, N = "books", "food", "childrens_clothing", "medicines", "newspapers"

CATEGORY_ROWS: tuple[CategoryRow, ...] = (
    *_rows(
        "AT", "marosavat.com/vat/austria (after the Commission's table): 10% on foodstuffs, "
        "pharmaceutical products, books and newspapers", (B, "reduced2"), (N, "reduced2"),
        (M, "reduced2"), (F, "reduced2"),
        (F, "super_reduced", date(2026, 7, 1),
         "Austria, Council of Ministers: 4.9% on a basket of basic foods from 1 Jul 2026 "
         "(heute.at 'Jetzt fix'; orbitax.com on the Ministry of Finance's draft bill)"),
    ),
    *_rows(
        "BE", "marosavat.com Belgian VAT rates (after the Commission's table): 6% on most "
        "foodstuffs, pharmaceutical products and books; 0% on daily and weekly newspapers "
        "(thevatman.eu, Belgium)", (B, "reduced2"), (F, "reduced2"), (M, "reduced2"),
        (N, "zero"),
    ),
    *_rows(
        "BG", "Bulgarian VAT Act, 9% made permanent for books and periodicals from 1 Jan 2023 "
        "(State Gazette 102/2022; delchev-lawfirm.com)", (B, "reduced"), (N, "reduced"),
    ),
    *_rows(
        "CY", "5% on food, pharmaceutical products, books and newspapers (cyprusupdates.com, "
        "Jan 2011; capital-consulting.com)", (B, "reduced2"), (N, "reduced2"),
        (F, "reduced2"), (M, "reduced2"),
        *[
            (category, "super_reduced", date(2023, 7, 21),
             "Cyprus VAT (Amendment) Law, Official Gazette 21 Jul 2023: 3% on books, "
             "newspapers and magazines (KPMG via mondaq.com)")
            for category in (B, N)
        ],
    ),
    *_rows(
        "CZ", "Czech VAT Act before 2024: 10% on books, periodicals and some pharmaceuticals, "
        "15% on food (BDO via vatupdate.com, 24 Jul 2023; easytax.co; ltapartners.com on "
        "periodicals at 10% since 2017)", (B, "reduced2"), (N, "reduced2"), (M, "reduced2"),
        (F, "reduced"),
        (B, "zero", date(2024, 1, 1),
         "Czech consolidation package (Government Bill 488): books zero-rated from 1 Jan 2024 "
         "(sovos.com)"),
        (N, "reduced", date(2024, 1, 1),
         "Czech consolidation package: newspapers and magazines at 12% from 1 Jan 2024 "
         "(taxathand.com via vatupdate.com)"),
        (M, "reduced", date(2024, 1, 1),
         "Czech consolidation package: one reduced rate of 12% from 1 Jan 2024 (sovos.com)"),
    ),
    *_rows(
        "DE", "marosavat.com German VAT rates (after the Commission's table): 7% on books, "
        "newspapers and most foodstuffs, 19% on pharmaceutical products", (B, "reduced"),
        (F, "reduced"), (N, "reduced"),
    ),
    *_rows("DK", "0% on newspapers (fruugo VAT table; Commission's table)", (N, "zero")),
    *_rows(
        "EE", "Estonia: 9% on books and medicinal products (Tolley, 'Reduced-rated supplies "
        "(Estonia)'), 5% on press publications until 2024 (taxopolis.eu)", (B, "reduced"),
        (M, "reduced"), (N, "reduced2"),
        *[
            (category, "reduced2", date(2025, 1, 1),
             "Estonia: 13% for accommodation from 1 Jan 2025 makes 9% the lower reduced rate "
             "(taxopolis.eu, 'VAT rate increase in Estonia by 2025')")
            for category in (B, M)
        ],
    ),
    *_rows(
        "ES", "Spain: 4% on books, newspapers and medicines for human use; basic foods at 0% "
        "from 1 Jan 2023 (Gobierno de España via m.ru24.net)", (B, "super_reduced"),
        (N, "super_reduced"), (M, "super_reduced"), (F, "zero"),
        (F, "temporary", date(2024, 10, 1),
         "Spanish Real Decreto-ley 4/2024: basic food at 2% from 1 Oct to 31 Dec 2024 "
         "(centralborne.com; capital.es)"),
        (F, "super_reduced", date(2025, 1, 1),
         "Spanish Real Decreto-ley 4/2024: basic food back to 4% from 1 Jan 2025 "
         "(cudosconsultors.com)"),
    ),
    *_rows(
        "FI", "Finland: 14% on food; 10% on pharmaceutical products, books and newspapers "
        "(fruugo VAT table)", (F, "reduced"), (B, "reduced2"), (M, "reduced2"),
        (N, "reduced2"),
        *[
            (category, "reduced", date(2025, 1, 1),
             "Finland: books and pharmaceuticals from 10% to 14% on 1 Jan 2025, newspapers "
             "stay at 10% (vatcalc.com, 'Finland cuts reduced VAT to 13.5% Jan 2026')")
            for category in (B, M)
        ],
    ),
    *_rows(
        "FR", "France: 5.5% on books and most food, 10% on non-reimbursable medicines, 2.1% on "
        "press (fruugo VAT table; Commission's table)", (B, "reduced2"), (F, "reduced2"),
        (N, "super_reduced"), (M, "reduced"),
    ),
    *_rows("GR", UNCHECKED, (B, "reduced2"), (M, "reduced2"), (N, "reduced2"), (F, "reduced")),
    *_rows(
        "HR", "Croatian VAT Act as amended from 1 Apr 2022: 5% on bread, milk, basic foods, "
        "books, authorised medicinal products and daily newspapers (nautical-consulting.com; "
        "cms-lawnow.com)", (B, "reduced2"), (N, "reduced2"), (M, "reduced2"), (F, "reduced2"),
    ),
    *_rows(
        "HU", "Hungary: 5% on basic foodstuffs, books, newspapers, medical and pharmaceutical "
        "products (vatcalc.com, Hungary)", (B, "reduced2"), (N, "reduced2"), (M, "reduced2"),
        (F, "reduced2"),
    ),
    *_rows(
        "IE", "Irish Revenue, 'Zero rate of VAT' (revenue.ie): food, oral medicines, books, "
        "newspapers, children's clothing and footwear", (B, "zero"), (F, "zero"),
        (C, "zero"), (M, "zero"), (N, "zero"),
    ),
    *_rows(
        "IT", "Italy: 4% on basic foods, books and newspapers, 10% on medicines (Il Sole 24 "
        "Ore, 25 Sep 2013)", (B, "super_reduced"), (N, "super_reduced"),
        (F, "super_reduced"), (M, "reduced"),
    ),
    *_rows(
        "LT", "Lithuania: books and journals at 9% (vatcalc.com, 2023 changes); medicines at "
        "5% only when reimbursed", (B, "reduced"), (N, "reduced"), (M, "standard"),
        (B, "reduced2", date(2026, 1, 1),
         "Lithuanian Law XV-287: books from 9% to 5% from 1 Jan 2026 (sovos.com)"),
        (M, "reduced2", date(2026, 1, 1),
         "Lithuania 2026 budget: medicines at 5% from 1 Jan 2026 (vatapi.com; "
         "fiscal-requirements.com)"),
    ),
    *_rows(
        "LU", "Luxembourg, taux super-réduit of 3%: food, books, newspapers, children's "
        "clothing and shoes, medicines (lcgb.lu, 22 Dec 2022)", (B, "super_reduced"),
        (F, "super_reduced"), (C, "super_reduced"), (M, "super_reduced"),
        (N, "super_reduced"),
    ),
    *_rows(
        "LV", "Latvia: 5% on books and periodicals, 12% on medicines (bakermckenzie.com "
        "resource hub, Latvia)", (B, "reduced2"), (N, "reduced2"), (M, "reduced"),
        (F, "reduced", date(2026, 7, 1),
         "Latvian VAT Law amendment: 12% on bread, milk, poultry and eggs from 1 Jul 2026 to "
         "30 Jun 2027 (likumi.lv via vatupdate.com, 19 Dec 2025)"),
        (F, "standard", date(2027, 7, 1),
         "Latvian VAT Law amendment: the 12% on basic foods ends on 30 Jun 2027"),
    ),
    *_rows(
        "MT", "Malta: 0% on food and pharmaceuticals, 5% on books and newspapers "
        "(marosavat.com/manual-vat/malta)", (B, "reduced2"), (N, "reduced2"), (F, "zero"),
        (M, "zero"),
    ),
    *_rows("NL", UNCHECKED, (B, "reduced"), (F, "reduced"), (M, "reduced"), (N, "reduced")),
    *_rows(
        "PL", "Poland: 5% on books, 8% on newspapers and basic healthcare items "
        "(avalara.com, Polish VAT rates; jbfiscalconsulting.com)", (B, "reduced2"),
        (N, "reduced"), (M, "reduced"), (F, "zero"),
        (F, "reduced2", date(2024, 4, 1),
         "Polish Ministry of Finance: 0% on basic food ends 31 Mar 2024, 5% again "
         "(polishtax.com; marketscreener.com)"),
    ),
    *_rows(
        "PT", UNCHECKED, (B, "reduced2"), (N, "reduced2"), (M, "reduced2"), (F, "reduced2"),
        (F, "zero", date(2023, 4, 18),
         "Portugal 'IVA Zero' basket of 46 basic foods from 18 Apr 2023 (expresso.pt)"),
        (F, "reduced2", date(2024, 1, 5),
         "Portugal 'IVA Zero' extended to 4 Jan 2024, then 6% (auditor.pt)"),
    ),
    *_rows(
        "RO", "Romania: 9% on food and medicines, 5% on books and press; from 1 Aug 2025 Law "
        "141/2025 moves all four to 11% (regfollower.com; vatupdate.com)", (B, "reduced2"),
        (N, "reduced2"), (F, "reduced"), (M, "reduced"),
    ),
    *_rows(
        "SE", "Sweden: 6% on books, 12% on food (vatupdate.com; Commission's table)",
        (B, "reduced2"), (N, "reduced2"), (F, "reduced"),
        (F, "reduced2", date(2026, 4, 1),
         "Swedish Prop. 2025/26:55: food from 12% to 6%, 1 Apr 2026 to 31 Dec 2027 "
         "(vatupdate.com, 26 Nov 2025)"),
        (F, "reduced", date(2028, 1, 1), "Swedish Prop. 2025/26:55: the 6% on food ends 2027"),
    ),
    *_rows(
        "SI", "Slovenia: 9.5% on foodstuffs and medicines (Tolley, 'VAT reduced rates "
        "(Slovenia)'); books and newspapers at 5% per the Commission's table, not re-checked",
        (B, "reduced2"), (N, "reduced2"), (F, "reduced"), (M, "reduced"),
    ),
    *_rows(
        "SK", "Slovakia: 10% on some foodstuffs, pharmaceuticals, books and newspapers "
        "(numeree.cz, 'VAT rates in Slovakia')", (B, "reduced"), (N, "reduced"),
        (M, "reduced"), (F, "reduced"),
        *[
            (category, "reduced2", date(2025, 1, 1),
             "Slovak VAT Act amendment of 3 Oct 2024: books, newspapers, medicines and basic "
             "food at 5% from 1 Jan 2025 (crowe.com/sk; ceelegalmatters.com)")
            for category in (B, N, M, F)
        ],
    ),
)  # fmt: skip
