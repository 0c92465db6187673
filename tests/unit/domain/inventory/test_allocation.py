"""The allocation rule (``domain.inventory.policies.allocate``), for any stock: it never takes
more than an item has available to the holder nor more than asked, it draws in the store's
order of locations (the default first), the holder's own hold counts as its own, it reads no
further than it needs, and it changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.inventory.aggregates import Locations, StockItem
from domain.inventory.errors import InsufficientStockError
from domain.inventory.policies import allocate, check_allocated
from tests.unit.domain.scenario import T0, at

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f5b01")
HOLDER = UUID(int=7)  # a cart's checkout hold
OTHER = UUID(int=8)  # someone else's hold
NOW = at(60)


@dataclass(frozen=True)
class Stock:
    """One location's stock item of the SKU: on hand, held by the holder, held by others."""

    on_hand: int
    own: int
    others: int
    own_expired: bool = False


@st.composite
def stocks(draw: st.DrawFn) -> Stock:
    on_hand = draw(st.integers(0, 20))
    own = draw(st.integers(0, on_hand))
    others = draw(st.integers(0, on_hand - own))
    return Stock(on_hand, own, others, own_expired=draw(st.booleans()))


def item(n: int, stock: Stock) -> StockItem:
    made = StockItem.create(store_id=STORE, location_id=UUID(int=100 + n), sku="SKU", at=T0)
    if stock.on_hand:
        made.receive(quantity=stock.on_hand, reference=None, at=T0)
    # The holder's hold lasts past NOW unless it expired; an expired hold holds nothing.
    expires = NOW - timedelta(minutes=1) if stock.own_expired else NOW + timedelta(minutes=15)
    for holder, units, until in ((HOLDER, stock.own, expires), (OTHER, stock.others, None)):
        if units:
            made.reserve(
                reservation_id=holder, quantity=units, order_id=None, expires_at=until, at=T0
            )
    made.collect_events()  # as read from the log: nothing pending
    return made


def free(stock: Stock) -> int:
    """What the holder may take from it: what nobody holds, and its own live hold."""
    return stock.on_hand - stock.others


class Reads:
    """The items, handed out one at a time as a repository would read them."""

    def __init__(self, items: list[StockItem]) -> None:
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator[StockItem]:
        for one in self.items:
            self.count += 1
            yield one


@given(st.lists(stocks(), max_size=5), st.integers(1, 60), st.booleans())
def test_it_takes_what_is_there_in_order_and_never_more(
    given_stock: list[Stock], quantity: int, read_all: bool
) -> None:
    items = [item(n, s) for n, s in enumerate(given_stock)]
    versions = [i.version for i in items]
    reads = Reads(items)

    made = allocate("SKU", quantity, reads, at=NOW, holder=HOLDER, read_all=read_all)

    frees = [free(s) for s in given_stock]
    taken = {i.id: units for i, units in made.parts}
    # Never more than asked, nor than an item has available to the holder.
    assert made.allocated == min(quantity, sum(frees))
    assert made.short == (sum(frees) < quantity)
    for one, f in zip(items, frees, strict=True):
        assert 0 <= taken.get(one.id, 0) <= f
    # In order: an item gives only once every item before it gave all it had.
    drawn = [taken.get(i.id, 0) for i in items]
    for n, units in enumerate(drawn):
        if units:
            assert drawn[:n] == frees[:n]
    # Read no further than needed (all of them when asked to), and everything read is told.
    assert made.read == tuple(items[: reads.count])
    if read_all or made.short:
        assert reads.count == len(items)
    else:
        assert sum(frees[: reads.count - 1]) < quantity <= sum(frees[: reads.count])
    assert made.available == sum(frees[: reads.count])
    # Pure: nothing changed.
    assert [i.version for i in items] == versions
    assert not any(i.pending_events for i in items)


@given(st.lists(stocks(), min_size=1, max_size=4), st.integers(1, 40))
def test_the_holders_own_hold_counts_for_it_and_for_no_one_else(
    given_stock: list[Stock], quantity: int
) -> None:
    items = [item(n, s) for n, s in enumerate(given_stock)]
    own = sum(s.own for s in given_stock if not s.own_expired)

    mine = allocate("SKU", quantity, items, at=NOW, holder=HOLDER, read_all=True)
    anyone = allocate("SKU", quantity, items, at=NOW, read_all=True)

    assert mine.available == anyone.available + own
    assert anyone.available == sum(s.on_hand - s.others - s.own for s in given_stock) + sum(
        s.own for s in given_stock if s.own_expired
    )


def test_the_default_location_gives_first_whatever_the_codes() -> None:
    locations = Locations.create(store_id=STORE, at=T0)
    first, second = UUID(int=100), UUID(int=101)
    locations.add(location_id=first, code="a-first", name="A", at=T0)
    locations.add(location_id=second, code="b-second", name="B", at=T0)
    locations.make_default(location_id=second, at=T0)
    by_location = {i.location_id: i for i in (item(0, Stock(5, 0, 0)), item(1, Stock(5, 0, 0)))}

    made = allocate("SKU", 7, (by_location[i] for i in locations.in_order()), at=NOW)

    assert [(i.location_id, units) for i, units in made.parts] == [(second, 5), (first, 2)]


def test_short_lines_are_refused_together_naming_each() -> None:
    lines = [
        allocate("A", 3, [item(0, Stock(2, 0, 0))], at=NOW),
        allocate("B", 1, [item(1, Stock(1, 0, 0))], at=NOW),
        allocate("C", 4, [], at=NOW),
    ]
    with pytest.raises(InsufficientStockError) as refused:
        check_allocated(lines)
    assert refused.value.fields["lines"] == [
        {"sku": "A", "requested": 3, "available": 2},
        {"sku": "C", "requested": 4, "available": 0},
    ]
    check_allocated(lines[1:2])  # all there: nothing to refuse
