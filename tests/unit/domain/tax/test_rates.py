"""The rate table: the history the issue names, the named categories, and the table's own
sanity (every state has a standard rate on every day; no two rows of a state and kind start
the same day; every kind a category points at exists)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tax.errors import TaxRateUnknownError, UnknownCountryError, UnknownTaxCategoryError
from domain.tax.policies import rate_for
from domain.tax.rates import RATES, RATES_VERSION, kind_for, kinds_of, rate_of_kind
from domain.tax.values import (
    CATEGORY_ROWS,
    EU_COUNTRIES,
    NAMED_CATEGORIES,
    RATE_KINDS,
    TABLE_START,
    TIME_ZONES,
    TaxCategory,
)

D = Decimal
DAYS = st.dates(min_value=TABLE_START, max_value=date(2030, 12, 31))


def day_before(day: date) -> date:
    return day - timedelta(days=1)


# (country, kind, day the new rate starts, rate the day before, rate from that day), as the
# issue lists them.
HISTORY = [
    ("LU", "standard", date(2024, 1, 1), "16", "17"),
    ("LU", "parking", date(2024, 1, 1), "13", "14"),
    ("LU", "reduced", date(2024, 1, 1), "7", "8"),
    ("FI", "standard", date(2024, 9, 1), "24", "25.5"),
    ("SK", "standard", date(2025, 1, 1), "20", "23"),
    ("EE", "standard", date(2025, 7, 1), "22", "24"),
    ("RO", "standard", date(2025, 8, 1), "19", "21"),
    ("RO", "reduced", date(2025, 8, 1), "9", "11"),
    ("RO", "reduced2", date(2025, 8, 1), "5", "11"),
    ("LT", "reduced", date(2026, 1, 1), "9", "12"),
    ("EE", "standard", date(2024, 1, 1), "20", "22"),
    ("FI", "reduced", date(2026, 1, 1), "14", "13.5"),
    ("CZ", "reduced", date(2024, 1, 1), "15", "12"),
]


@pytest.mark.parametrize(("country", "kind", "day", "before", "after"), HISTORY)
def test_the_issue_s_rate_changes(
    country: str, kind: str, day: date, before: str, after: str
) -> None:
    assert rate_of_kind(country, kind, day_before(day)) == D(before)
    assert rate_of_kind(country, kind, day) == D(after)


def test_luxembourg_in_2023_and_since() -> None:
    assert kinds_of("LU", date(2023, 6, 1)) == {
        "standard": D(16),
        "parking": D(13),
        "reduced": D(7),
        "super_reduced": D(3),
    }
    assert kinds_of("LU", date(2024, 6, 1)) == {
        "standard": D(17),
        "parking": D(14),
        "reduced": D(8),
        "super_reduced": D(3),
    }


@pytest.mark.parametrize(
    ("country", "category", "day", "rate"),
    [
        ("LU", "books", date(2026, 1, 1), "3"),
        ("FR", "books", date(2026, 1, 1), "5.5"),
        ("DE", "books", date(2026, 1, 1), "7"),
        ("IE", "childrens_clothing", date(2026, 1, 1), "0"),
        ("FR", "childrens_clothing", date(2026, 1, 1), "20"),  # not listed: standard
        ("DE", "medicines", date(2026, 1, 1), "19"),  # not listed: standard
        ("FR", "newspapers", date(2026, 1, 1), "2.1"),
        ("FI", "books", date(2024, 12, 31), "10"),
        ("FI", "books", date(2025, 1, 1), "14"),
        ("FI", "books", date(2026, 1, 1), "13.5"),
        ("LT", "books", date(2025, 12, 31), "9"),
        ("LT", "books", date(2026, 1, 1), "5"),
        ("CZ", "books", date(2023, 12, 31), "10"),
        ("CZ", "books", date(2024, 1, 1), "0"),
        ("ES", "food", date(2024, 9, 30), "0"),
        ("ES", "food", date(2024, 10, 1), "2"),
        ("ES", "food", date(2025, 1, 1), "4"),
        ("SE", "food", date(2026, 3, 31), "12"),
        ("SE", "food", date(2026, 4, 1), "6"),
        ("SE", "food", date(2028, 1, 1), "12"),
        ("AT", "food", date(2026, 6, 30), "10"),
        ("AT", "food", date(2026, 7, 1), "4.9"),
        ("RO", "books", date(2025, 7, 31), "5"),
        ("RO", "books", date(2025, 8, 1), "11"),
        ("SK", "medicines", date(2024, 12, 31), "10"),
        ("SK", "medicines", date(2025, 1, 1), "5"),
        ("DE", "super_reduced", date(2026, 1, 1), "19"),  # no such rate in DE: standard
        ("DK", "reduced", date(2026, 1, 1), "25"),
        ("GR", "exempt", date(2026, 1, 1), "0"),
        ("LU", "zero", date(2026, 1, 1), "0"),
    ],
)
def test_rate_for_a_category(country: str, category: str, day: date, rate: str) -> None:
    assert rate_for(country, category, day) == D(rate)


def test_rate_for_refuses_what_it_cannot_answer() -> None:
    with pytest.raises(TaxRateUnknownError) as early:
        rate_for("LU", "standard", date(2022, 12, 31))
    assert early.value.field == "date"
    with pytest.raises(UnknownCountryError):
        rate_for("XX", "standard", date(2026, 1, 1))
    with pytest.raises(UnknownCountryError):
        rate_for("CH", "standard", date(2026, 1, 1))  # a country, not a member state
    with pytest.raises(UnknownTaxCategoryError):
        rate_for("LU", "luxury", date(2026, 1, 1))
    with pytest.raises(ValueError, match="date"):
        rate_for("LU", "standard", datetime(2026, 1, 1))


@given(DAYS)
def test_every_state_has_a_standard_rate_every_day(day: date) -> None:
    for country in EU_COUNTRIES:
        rate = rate_of_kind(country, "standard", day)
        assert rate is not None and D(15) <= rate < D(30), (country, day)


@given(DAYS, st.sampled_from(sorted(NAMED_CATEGORIES)))
def test_every_category_takes_a_kind_its_state_has(day: date, category: str) -> None:
    for country in EU_COUNTRIES:
        kind = kind_for(country, category, day)
        assert kind in RATE_KINDS
        if kind != "zero":
            assert rate_of_kind(country, kind, day) is not None, (country, category, day, kind)


def test_the_table_is_well_formed() -> None:
    assert {row.country for row in RATES} == EU_COUNTRIES == set(TIME_ZONES)
    starts = Counter((row.country, row.kind, row.valid_from) for row in RATES)
    assert [key for key, n in starts.items() if n > 1] == []
    category_starts = Counter((r.country, r.category, r.valid_from) for r in CATEGORY_ROWS)
    assert [key for key, n in category_starts.items() if n > 1] == []
    for row in RATES:
        assert row.kind in RATE_KINDS and row.kind != "zero"
        assert D(0) < row.rate < D(100) and row.valid_from >= TABLE_START
        assert row.source.strip(), row
    for category_row in CATEGORY_ROWS:
        assert category_row.country in EU_COUNTRIES
        assert category_row.category in NAMED_CATEGORIES
        assert category_row.kind in RATE_KINDS and category_row.source.strip()
    # Each state's kinds all start on the table's first day (a row holds until the next one).
    first: dict[tuple[str, str], date] = {}
    for row in RATES:
        key = (row.country, row.kind)
        first[key] = min(first.get(key, row.valid_from), row.valid_from)
    late = {key: day for key, day in first.items() if day != TABLE_START}
    # Only rates a state introduced later: CY's 3%, ES's temporary 2%, AT's 4.9%.
    assert late == {
        ("CY", "super_reduced"): date(2023, 7, 21),
        ("ES", "temporary"): date(2024, 10, 1),
        ("AT", "super_reduced"): date(2026, 7, 1),
    }


def test_the_generic_categories_name_their_kind() -> None:
    assert kind_for("FR", TaxCategory.REDUCED, date(2026, 1, 1)) == "reduced"
    assert kind_for("FR", "super_reduced", date(2026, 1, 1)) == "super_reduced"
    assert kind_for("FR", "books", date(2026, 1, 1)) == "reduced2"


def test_the_version_names_the_table() -> None:
    assert RATES_VERSION.startswith("eu-2028-01-01-")  # the latest change: SE food, 2028
    assert len(RATES_VERSION.rsplit("-", 1)[1]) == 8
