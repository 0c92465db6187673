"""The OSS report's quarters: every quarter a client may write is a date range, at the ends of
the calendar too (9999-Q4 answered 500: its end was computed from the day after)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.shared.errors import ValidationError
from projections.invoices.queries import quarter_dates


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("9999-Q4", date(9999, 10, 1), date(9999, 12, 31)),
        ("0001-Q1", date(1, 1, 1), date(1, 3, 31)),
    ],
)
def test_a_quarter_is_its_first_and_last_day(quarter: str, first: date, last: date) -> None:
    assert quarter_dates(quarter) == (first, last)


@pytest.mark.parametrize("quarter", ["0000-Q1", "2026-Q5", "2026-Q0", "2026Q3", "", "26-Q1"])
def test_what_is_not_a_quarter_names_the_field(quarter: str) -> None:
    with pytest.raises(ValidationError) as refused:
        quarter_dates(quarter)
    assert refused.value.field == "quarter"
