"""InvoiceSeries: given events → command → expected events or error. Numbers follow each other
with no gap, and each (store, kind, year) counts on its own."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from hypothesis import given as for_all
from hypothesis import strategies as st

from domain.invoices.aggregates import InvoiceSeries
from domain.invoices.values import CREDIT_NOTE, INVOICE
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from tests.unit.domain.scenario import at, ev, given, new_events

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9001")
OTHER_STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f9002")
SERIES_ID = InvoiceSeries.id_for(STORE, INVOICE, 2026)


def created(kind: str = INVOICE, year: int = 2026) -> Any:
    return ev(InvoiceSeries.Created, store_id=STORE, kind=kind, year=year)


def allocated(number: int) -> Any:
    return ev(InvoiceSeries.NumberAllocated, number=number)


def test_a_series_is_one_per_store_kind_and_year() -> None:
    series = InvoiceSeries.create(store_id=STORE, kind=INVOICE, year=2026, at=at(0))

    assert new_events(series) == [created()]
    assert series.id == SERIES_ID == store_singleton_id(STORE, "invoice-series:invoice:2026")
    assert series.last == 0
    ids = {
        InvoiceSeries.id_for(store, kind, year)
        for store in (STORE, OTHER_STORE)
        for kind in (INVOICE, CREDIT_NOTE)
        for year in (2025, 2026)
    }
    assert len(ids) == 8


def test_the_first_number_is_one() -> None:
    series = given(SERIES_ID, created())

    assert series.allocate(at(5)) == 1
    assert new_events(series) == [allocated(1)]


def test_numbers_follow_the_last_one() -> None:
    series = given(SERIES_ID, created(), allocated(1), allocated(2))

    assert series.allocate(at(5)) == 3
    assert series.allocate(at(6)) == 4
    assert new_events(series) == [allocated(3), allocated(4)]


def test_series_of_another_kind_or_year_count_on_their_own() -> None:
    invoices = given(SERIES_ID, created(), allocated(1), allocated(2))
    notes = given(InvoiceSeries.id_for(STORE, CREDIT_NOTE, 2026), created(CREDIT_NOTE))
    next_year = given(InvoiceSeries.id_for(STORE, INVOICE, 2027), created(INVOICE, 2027))

    assert notes.allocate(at(5)) == 1
    assert next_year.allocate(at(5)) == 1
    assert invoices.allocate(at(5)) == 3


@pytest.mark.parametrize(
    ("kind", "year", "field"),
    [("receipt", 2026, "kind"), (INVOICE, 26, "year"), (INVOICE, True, "year")],
)
def test_a_series_needs_a_kind_and_a_four_digit_year(kind: str, year: int, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        InvoiceSeries.create(store_id=STORE, kind=kind, year=year, at=at(0))

    assert raised.value.field == field


@for_all(st.integers(min_value=1, max_value=60))
def test_any_run_of_allocations_is_one_to_n(count: int) -> None:
    series = InvoiceSeries.create(store_id=STORE, kind=CREDIT_NOTE, year=2026, at=at(0))

    numbers = [series.allocate(at(i)) for i in range(1, count + 1)]

    assert numbers == list(range(1, count + 1))
    assert [e.attrs for e in new_events(series)[1:]] == [{"number": n} for n in numbers]
