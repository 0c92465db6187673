"""Inventory: a store's locations, and a stock item per (location, SKU).

Available = on hand - reserved, and it never goes negative: every movement is checked here, and
concurrent movements of one item conflict in the event store (optimistic concurrency), so the
loser re-decides on the new state. Holds taken at the start of a checkout expire on their own:
a reservation with ``expires_at`` stops counting at that time, with no job needed; a sweeper
records the release later, for the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.inventory.errors import (
    InsufficientStockError,
    LocationNotFoundError,
    ReservationError,
)
from domain.inventory.values import ADJUST_REASONS, LOCATION_CODE, MAX_QUANTITY, check_quantity
from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_line, check_whole
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import stock_item_id, store_singleton_id
from domain.shared.topics import stable_topics


@stable_topics("inventory", was="domain.inventory.aggregates")
class Locations(OrionAggregate):
    """A store's stock locations; the first is the default (online orders draw from it first)."""

    class Created(OrionAggregate.Created):
        store_id: UUID

    class LocationAdded(OrionAggregate.Event):
        location_id: UUID
        code: str
        name: str

        def apply(self, locations: Any) -> None:
            locations.items[self.location_id] = {"code": self.code, "name": self.name}
            if locations.default_id is None:
                locations.default_id = self.location_id

    class DefaultChanged(OrionAggregate.Event):
        location_id: UUID

        def apply(self, locations: Any) -> None:
            locations.default_id = self.location_id

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.items: dict[UUID, dict[str, str]] = {}
        self.default_id: UUID | None = None

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return store_singleton_id(store_id, "locations")

    @classmethod
    def create(cls, *, store_id: UUID, at: datetime) -> Locations:
        return cls._create(cls.Created, id=cls.id_for(store_id), timestamp=at, store_id=store_id)

    def add(self, *, location_id: UUID, code: str, name: str, at: datetime) -> None:
        code = code.strip().lower()
        if not LOCATION_CODE.match(code):
            raise ValidationError("code", "must be 1-32 lowercase letters, digits and hyphens")
        if any(item["code"] == code for item in self.items.values()):
            raise ConflictError(f"a location with code {code!r} exists", code=code)
        name = check_line(name, "name", limit=100)
        self._trigger(self.LocationAdded, at, location_id=location_id, code=code, name=name)

    def make_default(self, *, location_id: UUID, at: datetime) -> None:
        self.check(location_id)
        if self.default_id != location_id:
            self._trigger(self.DefaultChanged, at, location_id=location_id)

    def check(self, location_id: UUID) -> None:
        if location_id not in self.items:
            raise LocationNotFoundError(f"no location {location_id}", location_id=str(location_id))

    def in_order(self) -> list[UUID]:
        """The default first, then the others by code: the order checkout draws stock in."""
        others = sorted(
            (i for i in self.items if i != self.default_id), key=lambda i: self.items[i]["code"]
        )
        return ([self.default_id] if self.default_id else []) + others


@stable_topics("inventory", was="domain.inventory.aggregates")
class StockItem(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID
        location_id: UUID
        sku: str

    class Received(OrionAggregate.Event):
        quantity: int
        reference: str | None

        def apply(self, item: Any) -> None:
            item.on_hand += self.quantity

    class Adjusted(OrionAggregate.Event):
        delta: int
        reason: str
        note: str | None

        def apply(self, item: Any) -> None:
            item.on_hand += self.delta

    class Reserved(OrionAggregate.Event):
        reservation_id: UUID
        quantity: int
        order_id: UUID | None
        expires_at: datetime | None

        def apply(self, item: Any) -> None:
            item.reservations[str(self.reservation_id)] = {
                "quantity": self.quantity,
                "order_id": self.order_id,
                "expires_at": self.expires_at,
            }

    class ReservationReleased(OrionAggregate.Event):
        reservation_id: UUID
        quantity: int
        reason: str  # "cancelled", "payment_timeout", "expired", "checkout", "refunded"

        def apply(self, item: Any) -> None:
            item._take(self.reservation_id, self.quantity)

    class ReservationCommitted(OrionAggregate.Event):
        """Shipped: the reserved units leave the building."""

        reservation_id: UUID
        quantity: int

        def apply(self, item: Any) -> None:
            item._take(self.reservation_id, self.quantity)
            item.on_hand -= self.quantity

    class Returned(OrionAggregate.Event):
        quantity: int
        order_id: UUID | None
        reason: str

        def apply(self, item: Any) -> None:
            item.on_hand += self.quantity

    class ThresholdChanged(OrionAggregate.Event):
        threshold: int

        def apply(self, item: Any) -> None:
            item.low_stock_threshold = self.threshold

    def __init__(self, store_id: UUID, location_id: UUID, sku: str) -> None:
        self.store_id = store_id
        self.location_id = location_id
        self.sku = sku
        self.on_hand = 0
        # Keyed by str(reservation id): snapshots are JSON, whose keys are strings.
        self.reservations: dict[str, dict[str, Any]] = {}
        self.low_stock_threshold = 0

    def _take(self, reservation_id: UUID, quantity: int) -> None:
        key = str(reservation_id)
        left = self.reservations[key]["quantity"] - quantity
        if left > 0:
            self.reservations[key] = {**self.reservations[key], "quantity": left}
        else:
            del self.reservations[key]

    @classmethod
    def create(cls, *, store_id: UUID, location_id: UUID, sku: str, at: datetime) -> StockItem:
        return cls._create(
            cls.Created,
            id=stock_item_id(store_id, location_id, sku),
            timestamp=at,
            store_id=store_id,
            location_id=location_id,
            sku=sku,
        )

    # -- what is there ----------------------------------------------------------------------

    def reserved(self, at: datetime) -> int:
        return sum(
            r["quantity"]
            for r in self.reservations.values()
            if r["expires_at"] is None or r["expires_at"] > at
        )

    def available(self, at: datetime) -> int:
        return self.on_hand - self.reserved(at)

    def available_to(self, holder: UUID | None, at: datetime) -> int:
        """What the holder of a reservation (a cart, through its checkout hold) may take: what
        is available to anyone, plus what its own reservation still holds."""
        own = self.reservation(holder, at) if holder is not None else 0
        return max(self.available(at), 0) + own

    def is_low(self, at: datetime) -> bool:
        return self.available(at) <= self.low_stock_threshold

    def reservation(self, reservation_id: UUID, at: datetime) -> int:
        """The units still held by a reservation (0 if none, or if it expired)."""
        found = self.reservations.get(str(reservation_id))
        if found is None or (found["expires_at"] is not None and found["expires_at"] <= at):
            return 0
        return int(found["quantity"])

    # -- movements --------------------------------------------------------------------------

    def receive(self, *, quantity: int, reference: str | None, at: datetime) -> None:
        check_quantity(quantity)
        if self.on_hand + quantity > MAX_QUANTITY:
            raise ValidationError("quantity", f"on hand would exceed {MAX_QUANTITY}")
        self._trigger(self.Received, at, quantity=quantity, reference=reference)

    def adjust(self, *, delta: int, reason: str, note: str | None, at: datetime) -> None:
        if reason not in ADJUST_REASONS:
            raise ValidationError("reason", f"must be one of {', '.join(ADJUST_REASONS)}")
        if check_whole(delta, "delta") == 0:
            raise ValidationError("delta", "must not be zero")
        if abs(delta) > MAX_QUANTITY or self.on_hand + delta > MAX_QUANTITY:
            raise ValidationError("delta", f"on hand must stay within 0-{MAX_QUANTITY}")
        if self.on_hand + delta < self.reserved(at):
            raise InsufficientStockError(
                f"{self.sku}: only {self.available(at)} can be taken out; the rest is reserved",
                sku=self.sku,
                available=self.available(at),
            )
        self._trigger(self.Adjusted, at, delta=delta, reason=reason, note=note)

    def count(self, *, counted: int, note: str | None, at: datetime) -> None:
        """A stock count: on hand becomes what was counted."""
        check_quantity(counted, "counted", allow_zero=True)
        if counted != self.on_hand:
            self.adjust(delta=counted - self.on_hand, reason="count", note=note, at=at)

    def reserve(
        self,
        *,
        reservation_id: UUID,
        quantity: int,
        order_id: UUID | None,
        expires_at: datetime | None,
        at: datetime,
    ) -> None:
        check_quantity(quantity)
        if self.reservation(reservation_id, at):
            raise ReservationError(f"{self.sku}: this reservation exists already")
        if quantity > self.available(at):
            raise InsufficientStockError(
                f"{self.sku}: only {max(self.available(at), 0)} available",
                sku=self.sku,
                available=max(self.available(at), 0),
            )
        if str(reservation_id) in self.reservations:  # an expired hold under the same id
            self.release(reservation_id=reservation_id, reason="expired", at=at)
        self._trigger(
            self.Reserved,
            at,
            reservation_id=reservation_id,
            quantity=quantity,
            order_id=order_id,
            expires_at=expires_at,
        )

    def release(
        self, *, reservation_id: UUID, reason: str, at: datetime, quantity: int | None = None
    ) -> int:
        """Releases a reservation (all of it, or ``quantity``); returns the units released."""
        if quantity is not None:
            check_quantity(quantity)
        found = self.reservations.get(str(reservation_id))
        if found is None:
            return 0
        units = found["quantity"] if quantity is None else min(quantity, found["quantity"])
        if units > 0:
            self._trigger(
                self.ReservationReleased,
                at,
                reservation_id=reservation_id,
                quantity=units,
                reason=reason,
            )
        return int(units)

    def commit(self, *, reservation_id: UUID, quantity: int, at: datetime) -> None:
        check_quantity(quantity)
        held = self.reservation(reservation_id, at)  # an expired hold holds nothing
        if quantity > held:
            raise ReservationError(
                f"{self.sku}: only {held} reserved for this order", sku=self.sku, reserved=held
            )
        self._trigger(
            self.ReservationCommitted, at, reservation_id=reservation_id, quantity=quantity
        )

    def return_to_stock(
        self, *, quantity: int, order_id: UUID | None, reason: str, at: datetime
    ) -> None:
        check_quantity(quantity)
        if self.on_hand + quantity > MAX_QUANTITY:
            raise ValidationError("quantity", f"on hand would exceed {MAX_QUANTITY}")
        self._trigger(self.Returned, at, quantity=quantity, order_id=order_id, reason=reason)

    def set_threshold(self, *, threshold: int, at: datetime) -> None:
        check_quantity(threshold, "low_stock_threshold", allow_zero=True)
        if threshold != self.low_stock_threshold:
            self._trigger(self.ThresholdChanged, at, threshold=threshold)

    def expired_holds(self, at: datetime) -> list[UUID]:
        return [
            UUID(rid)
            for rid, r in self.reservations.items()
            if r["expires_at"] is not None and r["expires_at"] <= at
        ]
