"""The inventory read model: stock levels per (location, SKU), the stock ledger (one row per
movement, with its reason, order and actor), and the store's locations.

Products' events give each SKU its product and title, for the levels list and its search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Table

from domain.catalog.aggregates import Product
from domain.inventory.aggregates import Locations, StockItem
from domain.shared.topics import topics_of
from projections.base import EventEnvelope, Projection
from projections.inventory.tables import define_tables
from projections.text import fold
from projections.writer import Writer

Handler = Callable[[EventEnvelope, Writer], None]
# Events that move stock: each is one row of the ledger.
MOVEMENTS = (
    StockItem.Received,
    StockItem.Adjusted,
    StockItem.Reserved,
    StockItem.ReservationReleased,
    StockItem.ReservationCommitted,
    StockItem.Returned,
)
STOCK_EVENTS = (StockItem.Created, *MOVEMENTS, StockItem.ThresholdChanged)
LOCATION_EVENTS = (Locations.Created, Locations.LocationAdded, Locations.DefaultChanged)
PRODUCT_EVENTS = (Product.Created, Product.Edited, Product.Archived)


def sku_key(sku: str) -> str:
    return sku.casefold()


def _sku_rows(product_id: UUID, store_id: UUID, variants: list[dict[str, Any]]) -> list[Any]:
    return [
        {"product_id": product_id, "sku_key": sku_key(v["sku"]), "store_id": store_id}
        for v in variants
    ]


class InventoryProjection(Projection):
    name = "inventory"
    topics = topics_of(*STOCK_EVENTS, *LOCATION_EVENTS, *PRODUCT_EVENTS)

    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            StockItem.Created: self._item_created,
            StockItem.Received: self._received,
            StockItem.Adjusted: self._adjusted,
            StockItem.Reserved: self._reserved,
            StockItem.ReservationReleased: self._released,
            StockItem.ReservationCommitted: self._committed,
            StockItem.Returned: self._returned,
            StockItem.ThresholdChanged: self._threshold,
            Locations.Created: self._locations_created,
            Locations.LocationAdded: self._location_added,
            Locations.DefaultChanged: self._default_changed,
            Product.Created: self._product_created,
            Product.Edited: self._product_edited,
            Product.Archived: self._product_archived,
        }

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        w.prefetch(
            "stock_levels",
            {e.originator_id for e in events if isinstance(e, STOCK_EVENTS[1:])},
        )
        w.prefetch(
            "reservations",
            {
                (e.originator_id, e.reservation_id)
                for e in events
                if isinstance(e, StockItem.ReservationReleased | StockItem.ReservationCommitted)
            },
        )
        w.prefetch(
            "location_sets",
            {e.originator_id for e in events if isinstance(e, LOCATION_EVENTS[1:])},
        )
        w.prefetch(
            "products",
            {
                e.originator_id
                for e in events
                if isinstance(e, Product.Edited) and "variants" in e.changes
            },
            columns=["store_id"],
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        self.handlers[type(envelope.event)](envelope, w)

    # -- stock items ----------------------------------------------------------------------------

    @staticmethod
    def _item_created(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        w.insert(
            "stock_levels",
            {
                "stock_item_id": e.originator_id,
                "store_id": e.store_id,
                "location_id": e.location_id,
                "sku": e.sku,
                "sku_key": sku_key(e.sku),
                "on_hand": 0,
                "reserved": 0,
                "low_stock_threshold": 0,
                "version": e.originator_version,
                "updated_at": e.timestamp,
            },
        )

    @staticmethod
    def _move(
        envelope: EventEnvelope,
        w: Writer,
        *,
        kind: str,
        on_hand: int = 0,
        reserved: int = 0,
        **details: Any,
    ) -> None:
        """Applies a movement to the item's level and writes its ledger row."""
        e = envelope.event
        row = w.get("stock_levels", e.originator_id)
        if row is None:
            raise LookupError(f"stock item {e.originator_id} was never created")
        level = _level(
            on_hand=row["on_hand"] + on_hand,
            reserved=row["reserved"] + reserved,
            threshold=row["low_stock_threshold"],
        )
        w.patch(
            "stock_levels",
            e.originator_id,
            **level,
            version=e.originator_version,
            updated_at=e.timestamp,
        )
        w.insert(
            "stock_ledger",
            {
                "position": envelope.position,
                "stock_item_id": e.originator_id,
                "store_id": row["store_id"],
                "location_id": row["location_id"],
                "sku": row["sku"],
                "sku_key": row["sku_key"],
                "kind": kind,
                "on_hand_delta": on_hand,
                "reserved_delta": reserved,
                "reason": None,
                "reference": None,
                "note": None,
                "order_id": None,
                "reservation_id": None,
                "expires_at": None,
                **details,
                "actor": envelope.meta.get("actor"),
                "on_hand_after": level["on_hand"],
                "reserved_after": level["reserved"],
                "version": e.originator_version,
                "at": e.timestamp,
            },
        )

    def _received(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        self._move(
            envelope,
            w,
            kind="received",
            on_hand=e.quantity,
            reason="received",
            reference=e.reference,
        )

    def _adjusted(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        self._move(envelope, w, kind="adjusted", on_hand=e.delta, reason=e.reason, note=e.note)

    def _returned(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        self._move(
            envelope, w, kind="returned", on_hand=e.quantity, reason=e.reason, order_id=e.order_id
        )

    def _reserved(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        w.put(
            "reservations",
            {
                "stock_item_id": e.originator_id,
                "reservation_id": e.reservation_id,
                "order_id": e.order_id,
                "quantity": e.quantity,
                "expires_at": e.expires_at,
            },
        )
        self._move(
            envelope,
            w,
            kind="reserved",
            reserved=e.quantity,
            # An order's reservation, or a checkout's hold (no order yet; it expires).
            reason="order" if e.order_id is not None else "hold",
            order_id=e.order_id,
            reservation_id=e.reservation_id,
            expires_at=e.expires_at,
        )

    @staticmethod
    def _take(e: Any, w: Writer) -> UUID | None:
        """Takes ``e.quantity`` off a reservation; returns the order it was for."""
        key = (e.originator_id, e.reservation_id)
        found = w.get("reservations", key)
        if found is None:
            return None
        left = found["quantity"] - e.quantity
        if left > 0:
            w.patch("reservations", key, quantity=left)
        else:
            w.delete("reservations", key)
        order_id: UUID | None = found["order_id"]
        return order_id

    def _released(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        self._move(
            envelope,
            w,
            kind="released",
            reserved=-e.quantity,
            reason=e.reason,
            order_id=self._take(e, w),
            reservation_id=e.reservation_id,
        )

    def _committed(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        self._move(
            envelope,
            w,
            kind="committed",
            on_hand=-e.quantity,
            reserved=-e.quantity,
            reason="shipped",
            order_id=self._take(e, w),
            reservation_id=e.reservation_id,
        )

    @staticmethod
    def _threshold(envelope: EventEnvelope, w: Writer) -> None:
        # Not a movement: the level changes, the ledger does not.
        e = envelope.event
        row = w.get("stock_levels", e.originator_id)
        if row is None:
            raise LookupError(f"stock item {e.originator_id} was never created")
        level = _level(on_hand=row["on_hand"], reserved=row["reserved"], threshold=e.threshold)
        w.patch(
            "stock_levels",
            e.originator_id,
            **level,
            version=e.originator_version,
            updated_at=e.timestamp,
        )

    # -- locations ------------------------------------------------------------------------------

    @staticmethod
    def _locations_created(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        w.insert(
            "location_sets",
            {"locations_id": e.originator_id, "store_id": e.store_id, "default_id": None},
        )

    @staticmethod
    def _location_added(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        found = w.get("location_sets", e.originator_id)
        if found is None:
            raise LookupError(f"locations {e.originator_id} were never created")
        first = found["default_id"] is None  # the first location is the default
        w.insert(
            "locations",
            {
                "location_id": e.location_id,
                "store_id": found["store_id"],
                "code": e.code,
                "name": e.name,
                "is_default": first,
                "created_at": e.timestamp,
            },
        )
        if first:
            w.patch("location_sets", e.originator_id, default_id=e.location_id)

    @staticmethod
    def _default_changed(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        found = w.get("location_sets", e.originator_id)
        if found is None:
            raise LookupError(f"locations {e.originator_id} were never created")
        if found["default_id"] is not None:
            w.patch("locations", found["default_id"], is_default=False)
        w.patch("locations", e.location_id, is_default=True)
        w.patch("location_sets", e.originator_id, default_id=e.location_id)

    # -- products: which product a SKU belongs to, and its title --------------------------------

    @staticmethod
    def _product_created(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        w.insert(
            "products",
            {
                "product_id": e.originator_id,
                "store_id": e.store_id,
                "title": e.title,
                "title_folded": fold(e.title),
            },
        )
        rows = _sku_rows(e.originator_id, e.store_id, e.variants)
        w.replace_children("product_skus", "product_id", e.originator_id, rows, fresh=True)

    @staticmethod
    def _product_edited(envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        changes = e.changes
        if "title" in changes:
            w.patch(
                "products",
                e.originator_id,
                title=changes["title"],
                title_folded=fold(changes["title"]),
            )
        if "variants" in changes:
            product = w.get("products", e.originator_id)
            if product is None:
                raise LookupError(f"product {e.originator_id} was never created")
            rows = _sku_rows(e.originator_id, product["store_id"], changes["variants"])
            w.replace_children("product_skus", "product_id", e.originator_id, rows)

    @staticmethod
    def _product_archived(envelope: EventEnvelope, w: Writer) -> None:
        # Archiving frees the product's SKUs: another product may claim them.
        w.replace_children("product_skus", "product_id", envelope.event.originator_id, [])


def _level(*, on_hand: int, reserved: int, threshold: int) -> dict[str, Any]:
    # Available and low depend on the time (holds expire): the queries work them out.
    return {"on_hand": on_hand, "reserved": reserved, "low_stock_threshold": threshold}
