"""The VAT rates of the 27 member states, with the day each applies from, as data.

One row per change: a state's ``standard`` rate, its reduced ones and so on (the kinds are
described in ``domain.tax.values``), from 1 January 2023 (the rate then in force, whenever it
began) to the changes announced at the time of writing. A row holds until the next row of the
same state and kind. Each row names where its figure was checked; the rows whose only source is
the Commission's 2021 table say so.

``RATES_VERSION`` names this table and the category table together; every order keeps the
version it was taxed with, so that a rate later found wrong can be traced to the orders it
touched.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.tax.values import CATEGORY_ROWS, GENERIC_KINDS, TABLE_START


@dataclass(frozen=True)
class RateRow:
    """From ``valid_from`` on, ``country``'s rate of this ``kind`` is ``rate`` percent."""

    country: str
    kind: str
    rate: Decimal
    valid_from: date
    source: str


_S = TABLE_START
# The rates in force on 1 January 2023, unchanged since unless a later row says otherwise.
TABLES_2025 = (
    "in force on 1 Jan 2023 and unchanged since: European Commission, 'VAT rates applied in "
    "the Member States of the European Union' (TAXUD, 2021), checked against the tables at "
    "1 Jan 2025 built from the Commission's TEDB (easytax.co 'VAT rates in Europe'; "
    "vat-solutions.com 'VAT Rates 2025 in the European Union') and, for standard rates, "
    "the TEDB history (github.com/vatnode/eu-vat-rates-data, data/history-tedb.json, "
    "generated 2026-09-23)"
)


def _state(country: str, source: str, valid_from: date = _S, **kinds: str) -> list[RateRow]:
    return [
        RateRow(country, kind, Decimal(rate), valid_from, source) for kind, rate in kinds.items()
    ]


RATES: tuple[RateRow, ...] = (
    *_state("AT", TABLES_2025, standard="20", reduced="13", reduced2="10", parking="13"),
    *_state(
        "AT", "Austria, Council of Ministers: 4.9% on a basket of basic foods from 1 Jul 2026 "
        "(heute.at; schuchter.at Klienten-Info; orbitax.com on the draft bill)",
        date(2026, 7, 1), super_reduced="4.9",
    ),
    *_state("BE", TABLES_2025, standard="21", reduced="12", reduced2="6", parking="12"),
    *_state("BG", TABLES_2025, standard="20", reduced="9"),
    *_state("CY", TABLES_2025, standard="19", reduced="9", reduced2="5"),
    *_state(
        "CY", "Cyprus VAT (Amendment) Law published 21 Jul 2023: a 3% rate (KPMG via "
        "mondaq.com; meridianglobalservices.com, 1 Aug 2023)", date(2023, 7, 21),
        super_reduced="3",
    ),
    *_state(
        "CZ", "in force on 1 Jan 2023: 21, 15 and 10 (BDO via vatupdate.com, 24 Jul 2023)",
        standard="21", reduced="15", reduced2="10",
    ),
    *_state(
        "CZ", "Czech consolidation package (Government Bill 488): 15% and 10% merged into 12% "
        "from 1 Jan 2024 (sovos.com; ibericode/vat-rates)", date(2024, 1, 1),
        reduced="12", reduced2="12",
    ),
    *_state("DE", TABLES_2025, standard="19", reduced="7"),
    *_state("DK", TABLES_2025, standard="25"),
    *_state(
        "EE", "in force on 1 Jan 2023: 20, 9 and 5 for press (TEDB history; taxopolis.eu)",
        standard="20", reduced="9", reduced2="5",
    ),
    *_state(
        "EE", "Estonia: standard rate from 20% to 22% on 1 Jan 2024 (TEDB history; "
        "tungstenautomation.com)", date(2024, 1, 1), standard="22",
    ),
    *_state(
        "EE", "Estonia: accommodation from 9% to 13% and press from 5% to 9% on 1 Jan 2025 "
        "(taxopolis.eu; vatabout.com, 31 Aug 2024)", date(2025, 1, 1),
        reduced="13", reduced2="9",
    ),
    *_state(
        "EE", "Estonia: standard rate from 22% to 24% on 1 Jul 2025 (TEDB history; "
        "grantthornton.ee; baltictimes.com, 1 Jul 2025)", date(2025, 7, 1), standard="24",
    ),
    *_state("ES", TABLES_2025, standard="21", reduced="10", super_reduced="4"),
    *_state(
        "ES", "Spanish Real Decreto-ley 4/2024: 2% on basic foods from 1 Oct to 31 Dec 2024 "
        "(centralborne.com; lavozdemedinadigital.com)", date(2024, 10, 1), temporary="2",
    ),
    *_state(
        "FI", "in force on 1 Jan 2023: 24, 14 and 10 (TEDB history; ibericode/vat-rates)",
        standard="24", reduced="14", reduced2="10",
    ),
    *_state(
        "FI", "Finland: standard rate from 24% to 25.5% on 1 Sep 2024 (TEDB history; "
        "vat-solutions.com)", date(2024, 9, 1), standard="25.5",
    ),
    *_state(
        "FI", "Finland: the 14% rate lowered to 13.5% on 1 Jan 2026 (vatcalc.com; aallon.fi; "
        "vatnode/eu-vat-rates-data)", date(2026, 1, 1), reduced="13.5",
    ),
    *_state(
        "FR", TABLES_2025, standard="20", reduced="10", reduced2="5.5", super_reduced="2.1",
    ),
    *_state("GR", TABLES_2025, standard="24", reduced="13", reduced2="6"),
    *_state("HR", TABLES_2025, standard="25", reduced="13", reduced2="5"),
    *_state("HU", TABLES_2025, standard="27", reduced="18", reduced2="5"),
    *_state(
        "IE", TABLES_2025, standard="23", reduced="13.5", reduced2="9", super_reduced="4.8",
        parking="13.5",
    ),
    *_state(
        "IT", TABLES_2025, standard="22", reduced="10", reduced2="5", super_reduced="4",
    ),
    *_state("LT", TABLES_2025, standard="21", reduced="9", reduced2="5"),
    *_state(
        "LT", "Lithuanian Law XV-287: the 9% rate replaced by 12% from 1 Jan 2026 (sovos.com; "
        "meridianglobalservices.com)", date(2026, 1, 1), reduced="12",
    ),
    *_state(
        "LU", "Luxembourg law of 26 Oct 2022: standard, intermediate and reduced rates cut by "
        "one point for 2023, super-reduced unchanged (orbitax.com; chronicle.lu; lcgb.lu)",
        standard="16", parking="13", reduced="7", super_reduced="3",
    ),
    *_state(
        "LU", "Luxembourg: the 2023 cut ends, 17/14/8 again from 1 Jan 2024 (cdm.lu; "
        "omnitrust.lu, 13 Dec 2023; TEDB history)", date(2024, 1, 1),
        standard="17", parking="14", reduced="8",
    ),
    *_state("LV", TABLES_2025, standard="21", reduced="12", reduced2="5"),
    *_state("MT", TABLES_2025, standard="18", reduced="7", reduced2="5"),
    *_state("NL", TABLES_2025, standard="21", reduced="9"),
    *_state("PL", TABLES_2025, standard="23", reduced="8", reduced2="5"),
    *_state("PT", TABLES_2025, standard="23", reduced="13", reduced2="6", parking="13"),
    *_state(
        "RO", "in force on 1 Jan 2023: 19, 9 and 5 (TEDB history; ibericode/vat-rates)",
        standard="19", reduced="9", reduced2="5",
    ),
    *_state(
        "RO", "Romanian Law 141/2025 (Official Gazette 699, 25 Jul 2025): 21% standard, 5% and "
        "9% merged into 11% from 1 Aug 2025 (regfollower.com; teaha.ro; TEDB history)",
        date(2025, 8, 1), standard="21", reduced="11", reduced2="11",
    ),
    *_state("SE", TABLES_2025, standard="25", reduced="12", reduced2="6"),
    *_state("SI", TABLES_2025, standard="22", reduced="9.5", reduced2="5"),
    *_state(
        "SK", "in force on 1 Jan 2023: 20, 10 and 5 for state-supported rental housing "
        "(bakermckenzie.com resource hub, Slovakia; numeree.cz)",
        standard="20", reduced="10", reduced2="5",
    ),
    *_state(
        "SK", "Slovak VAT Act amendment of 3 Oct 2024: 23% standard, 10% replaced by 19% from "
        "1 Jan 2025, 5% kept (krgroup.eu; crowe.com/sk; TEDB history)", date(2025, 1, 1),
        standard="23", reduced="19",
    ),
)  # fmt: skip


def _index() -> dict[tuple[str, str], tuple[list[date], list[Decimal]]]:
    found: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
    for row in RATES:
        found.setdefault((row.country, row.kind), []).append((row.valid_from, row.rate))
    return {
        key: ([d for d, _ in sorted(rows)], [r for _, r in sorted(rows)])
        for key, rows in found.items()
    }


# (country, kind) -> (the days rates start, the rates): one bisect finds the rate of a day.
_RATES_BY_KIND = _index()


def rate_of_kind(country: str, kind: str, on: date) -> Decimal | None:
    """``country``'s rate of ``kind`` on the day ``on``, or None when it has none that day."""
    found = _RATES_BY_KIND.get((country, kind))
    if found is None:
        return None
    days, rates = found
    at = bisect_right(days, on)
    return rates[at - 1] if at else None


def _category_index() -> dict[tuple[str, str], tuple[list[date], list[str]]]:
    found: dict[tuple[str, str], list[tuple[date, str]]] = {}
    for row in CATEGORY_ROWS:
        found.setdefault((row.country, row.category), []).append((row.valid_from, row.kind))
    return {
        key: ([d for d, _ in sorted(rows)], [k for _, k in sorted(rows)])
        for key, rows in found.items()
    }


_KINDS_BY_CATEGORY = _category_index()


def kind_for(country: str, category: str, on: date) -> str:
    """The kind of rate ``category`` takes in ``country`` on ``on``: the generic categories
    name theirs; a named one takes what ``CATEGORY_ROWS`` says, or ``standard`` when they say
    nothing for that state and day."""
    generic = GENERIC_KINDS.get(category)
    if generic is not None:
        return generic
    found = _KINDS_BY_CATEGORY.get((country, category))
    if found is None:
        return "standard"
    days, kinds = found
    at = bisect_right(days, on)
    return kinds[at - 1] if at else "standard"


def kinds_of(country: str, on: date) -> dict[str, Decimal]:
    """Every kind of rate ``country`` has on ``on``."""
    found = {}
    for country_, kind in _RATES_BY_KIND:
        if country_ == country:
            rate = rate_of_kind(country, kind, on)
            if rate is not None:
                found[kind] = rate
    return found


def _version() -> str:
    """The latest day either table changes, and a digest of both tables' figures (sources
    left out: correcting a citation does not change a rate)."""
    lines = sorted(f"{r.country} {r.kind} {r.rate} {r.valid_from}" for r in RATES)
    lines += sorted(f"{c.country} {c.category} {c.kind} {c.valid_from}" for c in CATEGORY_ROWS)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:8]
    latest = max([r.valid_from for r in RATES] + [c.valid_from for c in CATEGORY_ROWS])
    return f"eu-{latest.isoformat()}-{digest}"


RATES_VERSION: str = _version()
