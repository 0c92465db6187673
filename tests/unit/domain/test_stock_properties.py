"""Property tests of StockItem: for any interleaving of receive / reserve / release / commit /
adjust / count / return, with random quantities (some invalid), stock never goes negative,
on hand is the sum of the ledger, invalid commands change nothing, and the events replay to the
same state.

A small model (on hand, and the reservations with their expiry) predicts what each command
must do; the aggregate must agree with it after every step. Time is a fixed clock, or a clock
that moves on, so that checkout holds expire on their own in the middle of a sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Recording
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory.aggregates import StockItem
from domain.inventory.errors import InsufficientStockError, ReservationError
from domain.inventory.values import ADJUST_REASONS, MAX_QUANTITY
from domain.shared.errors import OrionError, ValidationError
from tests.unit.domain.replay import in_memory_app
from tests.unit.domain.scenario import T0, at

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f5a01")
LOCATION = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f5a02")
# Slots 0-1 are orders' reservations (never expire), slots 2-3 are checkout holds (expire).
ORDER_SLOTS, HOLD_SLOTS = (0, 1), (2, 3)


def reservation_id(slot: int) -> UUID:
    return UUID(int=slot + 1)


@dataclass(frozen=True)
class Receive:
    quantity: int


@dataclass(frozen=True)
class Adjust:
    delta: int
    reason: str


@dataclass(frozen=True)
class Count:
    counted: int


@dataclass(frozen=True)
class Reserve:
    slot: int
    quantity: int
    hold_minutes: int  # holds only: how long the hold lasts


@dataclass(frozen=True)
class Release:
    slot: int
    quantity: int | None  # None: all of it


@dataclass(frozen=True)
class Commit:
    slot: int  # orders only: a checkout hold is never shipped
    quantity: int


@dataclass(frozen=True)
class Return:
    quantity: int


Command = Receive | Adjust | Count | Reserve | Release | Commit | Return

# Mostly small (they meet each other), some invalid (zero, negative, too many, a boolean).
quantities = st.integers(-2, 25) | st.sampled_from([MAX_QUANTITY, MAX_QUANTITY + 1, True])
commands = st.one_of(
    st.builds(Receive, quantity=quantities),
    st.builds(
        Adjust,
        delta=st.integers(-25, 25) | st.just(-MAX_QUANTITY - 1),
        reason=st.sampled_from([*ADJUST_REASONS, "theft"]),
    ),
    st.builds(Count, counted=quantities),
    st.builds(
        Reserve,
        slot=st.sampled_from(ORDER_SLOTS + HOLD_SLOTS),
        quantity=quantities,
        hold_minutes=st.integers(1, 20),
    ),
    st.builds(
        Release,
        slot=st.sampled_from(ORDER_SLOTS + HOLD_SLOTS),
        quantity=st.none() | st.integers(-1, 10),
    ),
    st.builds(Commit, slot=st.sampled_from(ORDER_SLOTS), quantity=quantities),
    # A return can push on hand over MAX_QUANTITY (see the expected failure below).
    st.builds(Return, quantity=quantities),
)


@dataclass
class Model:
    """What the stock must be: on hand, and reservation id → (quantity, expires at)."""

    on_hand: int = 0
    held: dict[UUID, tuple[int, datetime | None]] = field(default_factory=dict)

    def reserved(self, now: datetime) -> int:
        return sum(q for q, expires in self.held.values() if expires is None or expires > now)

    def available(self, now: datetime) -> int:
        return self.on_hand - self.reserved(now)

    def available_to(self, rid: UUID, now: datetime) -> int:
        """To the holder of ``rid``: what anyone may take, and what its own hold holds."""
        quantity, expires = self.held.get(rid, (0, None))
        return self.available(now) + (quantity if expires is None or expires > now else 0)

    def take(self, rid: UUID, units: int) -> None:
        quantity, expires = self.held[rid]
        if quantity > units:
            self.held[rid] = (quantity - units, expires)
        else:
            del self.held[rid]


def valid_quantity(quantity: int, *, allow_zero: bool = False) -> bool:
    low = 0 if allow_zero else 1
    return not isinstance(quantity, bool) and low <= quantity <= MAX_QUANTITY


def expect(model: Model, command: Command, now: datetime) -> type[OrionError] | None:
    """The error the command must raise, or None after applying it to the model."""
    match command:
        case Receive(quantity=q):
            if not valid_quantity(q) or model.on_hand + q > MAX_QUANTITY:
                return ValidationError
            model.on_hand += q
        case Adjust(delta=d, reason=reason):
            if reason not in ADJUST_REASONS or d == 0:
                return ValidationError
            if abs(d) > MAX_QUANTITY or model.on_hand + d > MAX_QUANTITY:
                return ValidationError
            if model.on_hand + d < model.reserved(now):
                return InsufficientStockError
            model.on_hand += d
        case Count(counted=c):
            if not valid_quantity(c, allow_zero=True):
                return ValidationError
            if c != model.on_hand and abs(c - model.on_hand) > MAX_QUANTITY:
                return ValidationError  # only after a return pushed on hand over the cap
            if c != model.on_hand and c < model.reserved(now):
                return InsufficientStockError
            model.on_hand = c
        case Reserve(slot=slot, quantity=q, hold_minutes=minutes):
            rid = reservation_id(slot)
            if not valid_quantity(q):
                return ValidationError
            held = model.held.get(rid)
            if held is not None and (held[1] is None or held[1] > now):
                return ReservationError
            if q > model.available(now):
                return InsufficientStockError
            expires = now + timedelta(minutes=minutes) if slot in HOLD_SLOTS else None
            model.held[rid] = (q, expires)  # an expired hold under the same id is released
        case Release(slot=slot, quantity=q):
            rid = reservation_id(slot)
            if q is not None and not valid_quantity(q):
                return ValidationError
            if rid in model.held:
                units = model.held[rid][0] if q is None else min(q, model.held[rid][0])
                if units > 0:
                    model.take(rid, units)
        case Commit(slot=slot, quantity=q):
            rid = reservation_id(slot)
            if not valid_quantity(q):
                return ValidationError
            quantity, expires = model.held.get(rid, (0, None))
            if expires is not None and expires <= now:
                quantity = 0  # an expired hold holds nothing: it cannot be shipped
            if q > quantity:
                return ReservationError
            model.take(rid, q)
            model.on_hand -= q
        case Return(quantity=q):
            if not valid_quantity(q) or model.on_hand + q > MAX_QUANTITY:
                return ValidationError
            model.on_hand += q
    return None


def run(item: StockItem, command: Command, now: datetime) -> None:
    match command:
        case Receive(quantity=q):
            item.receive(quantity=q, reference="PO-1", at=now)
        case Adjust(delta=d, reason=reason):
            item.adjust(delta=d, reason=reason, note=None, at=now)
        case Count(counted=c):
            item.count(counted=c, note=None, at=now)
        case Reserve(slot=slot, quantity=q, hold_minutes=minutes):
            hold = slot in HOLD_SLOTS
            item.reserve(
                reservation_id=reservation_id(slot),
                quantity=q,
                order_id=None if hold else reservation_id(slot),
                expires_at=now + timedelta(minutes=minutes) if hold else None,
                at=now,
            )
        case Release(slot=slot, quantity=q):
            item.release(
                reservation_id=reservation_id(slot), reason="cancelled", at=now, quantity=q
            )
        case Commit(slot=slot, quantity=q):
            item.commit(reservation_id=reservation_id(slot), quantity=q, at=now)
        case Return(quantity=q):
            item.return_to_stock(quantity=q, order_id=None, reason="return", at=now)


def ledger_on_hand(events: list[Any]) -> int:
    """On hand as the sum of the movements the events record."""
    total = 0
    for e in events:
        if isinstance(e, StockItem.Received | StockItem.Returned):
            total += e.quantity
        elif isinstance(e, StockItem.Adjusted):
            total += e.delta
        elif isinstance(e, StockItem.ReservationCommitted):
            total -= e.quantity
    return total


def ledger_reserved(events: list[Any]) -> int:
    """What the log holds reserved (expired holds included, until their release)."""
    total = 0
    for e in events:
        if isinstance(e, StockItem.Reserved):
            total += e.quantity
        elif isinstance(e, StockItem.ReservationReleased | StockItem.ReservationCommitted):
            total -= e.quantity
    return total


def assert_agrees(item: StockItem, model: Model, events: list[Any], now: datetime) -> None:
    assert item.on_hand == model.on_hand == ledger_on_hand(events)
    assert {UUID(k): (r["quantity"], r["expires_at"]) for k, r in item.reservations.items()} == (
        model.held
    )
    assert all(r["quantity"] > 0 for r in item.reservations.values())
    assert sum(r["quantity"] for r in item.reservations.values()) == ledger_reserved(events)
    # Now, and later on as holds expire: never negative.
    for when in (now, now + timedelta(minutes=10), now + timedelta(days=1)):
        assert item.reserved(when) >= 0
        assert item.available(when) >= 0
        assert item.available(when) == model.available(when)
        assert item.available_to(None, when) == model.available(when)
        for slot in (*ORDER_SLOTS, *HOLD_SLOTS):
            rid = reservation_id(slot)
            assert item.available_to(rid, when) == model.available_to(rid, when)
    assert item.on_hand >= 0


def check_sequence(steps: list[tuple[int, Command]]) -> tuple[Any, StockItem]:
    app = in_memory_app()
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="TS-1", at=T0)
    recordings: list[Recording[Any]] = list(app.save(item))
    states = {item.version: item.as_dict()}
    model = Model()
    now = T0
    for minutes, command in steps:
        now += timedelta(minutes=minutes)
        before = item.as_dict()
        error = expect(model, command, now)
        if error is None:
            run(item, command, now)
            recordings += app.save(item)
            states[item.version] = item.as_dict()
        else:
            with pytest.raises(error):
                run(item, command, now)
            assert item.collect_events() == [], "a refused command records nothing"
            assert item.as_dict() == before, "a refused command changes nothing"
        assert_agrees(item, model, [r.domain_event for r in recordings], now)

    live = item.as_dict()
    events: list[Any] = [r.domain_event for r in recordings]
    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.as_dict() == live
    assert app.repository.get(item.id).as_dict() == live
    for version, state in states.items():
        assert app.repository.get(item.id, version=version).as_dict() == state
    return app, item


@settings(max_examples=150, deadline=None)
@given(commands=st.lists(commands, max_size=40))
def test_with_a_fixed_clock_any_interleaving_keeps_stock_whole(commands: list[Command]) -> None:
    check_sequence([(0, c) for c in commands])


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 15), commands), max_size=40))
def test_with_a_moving_clock_expiring_holds_never_make_stock_negative(
    steps: list[tuple[int, Command]],
) -> None:
    check_sequence(steps)


def test_a_long_history_replays_through_its_snapshots() -> None:
    """Stock items are snapshotted (every 50 events): versions above a snapshot load from it."""
    steps: list[tuple[int, Command]] = []
    for i in range(40):
        steps += [
            (1, Receive(5)),
            (1, Reserve(slot=i % 2, quantity=3, hold_minutes=1)),
            (1, Reserve(slot=2 + i % 2, quantity=1, hold_minutes=1)),
            (1, Commit(slot=i % 2, quantity=2)),
            (1, Release(slot=i % 2, quantity=None)),
        ]
    app, item = check_sequence(steps)
    assert item.version > 150
    assert [s.originator_version for s in app.snapshots.get(item.id)][:3] == [50, 100, 150]


def test_expired_holds_do_not_count_and_a_new_hold_under_their_id_replaces_them() -> None:
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="TS-1", at=at(0))
    item.receive(quantity=5, reference=None, at=at(0))
    hold = reservation_id(2)
    item.reserve(reservation_id=hold, quantity=5, order_id=None, expires_at=at(10), at=at(1))
    assert item.available(at(9)) == 0 and item.available(at(10)) == 5
    with pytest.raises(InsufficientStockError) as refused:
        item.adjust(delta=-1, reason="damage", note=None, at=at(9))
    assert refused.value.fields == {"sku": "TS-1", "available": 0}
    item.reserve(reservation_id=hold, quantity=2, order_id=None, expires_at=at(30), at=at(11))
    kinds = [type(e).__name__ for e in item.collect_events()]
    assert kinds[-2:] == ["ReservationReleased", "Reserved"]
    assert item.available(at(11)) == 3


def test_a_cart_s_own_hold_is_available_to_it_and_to_nobody_else() -> None:
    """Issue 11: a shopper holding 4 of 10 may have all 10; anyone else 6; once the hold has
    expired, everybody 10."""
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="TS-1", at=at(0))
    item.receive(quantity=10, reference=None, at=at(0))
    hold, other = reservation_id(2), reservation_id(3)
    item.reserve(reservation_id=hold, quantity=4, order_id=None, expires_at=at(15), at=at(1))
    assert item.available_to(hold, at(2)) == 10
    assert item.available_to(other, at(2)) == item.available_to(None, at(2)) == 6
    assert item.available_to(hold, at(15)) == item.available_to(None, at(15)) == 10


def test_an_expired_hold_cannot_be_committed() -> None:
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="TS-1", at=at(0))
    item.receive(quantity=5, reference=None, at=at(0))
    hold, order = reservation_id(2), reservation_id(0)
    item.reserve(reservation_id=hold, quantity=5, order_id=None, expires_at=at(10), at=at(1))
    # The hold expired: its units are free again, and an order takes them.
    item.reserve(reservation_id=order, quantity=5, order_id=order, expires_at=None, at=at(20))
    with pytest.raises(ReservationError):
        item.commit(reservation_id=hold, quantity=5, at=at(21))
    assert item.available(at(21)) >= 0


def test_a_return_cannot_push_on_hand_past_the_maximum() -> None:
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="TS-1", at=at(0))
    item.receive(quantity=1, reference=None, at=at(0))
    with pytest.raises(ValidationError):
        item.return_to_stock(quantity=MAX_QUANTITY, order_id=None, reason="return", at=at(1))
