"""Carts as the store sees them in aggregate: what each holds, when it last moved, and how it
ended (checked out, merged into a customer's cart at login, emptied). Fed by Cart events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import MetaData, Table

from domain.cart.aggregates import Cart
from domain.shared.topics import topics_of
from projections.base import EventEnvelope, Projection
from projections.cart.tables import ACTIVE, CHECKED_OUT, EMPTY, MERGED, define_tables
from projections.writer import Writer

CART_TOPICS = topics_of(
    Cart.Created,
    Cart.LineAdded,
    Cart.QuantityChanged,
    Cart.LineRemoved,
    Cart.Cleared,
    Cart.CheckedOut,
)


class CartsProjection(Projection):
    name = "carts"
    topics = CART_TOPICS

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        w.prefetch(
            "carts",
            {e.event.originator_id for e in envelopes if not isinstance(e.event, Cart.Created)},
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Cart.Created):
            w.insert(
                "carts",
                {
                    "cart_id": e.originator_id,
                    "store_id": e.store_id,
                    "customer_id": e.customer_id,
                    "status": EMPTY,
                    "item_count": 0,
                    "subtotal": 0,
                    "currency": e.currency,
                    "lines": {},
                    "version": e.originator_version,
                    "created_at": e.timestamp,
                    "last_activity_at": e.timestamp,
                    "checked_out_at": None,
                    "order_id": None,
                },
            )
            return
        row = w.get("carts", e.originator_id)
        if row is None:
            raise LookupError(f"no cart row for {e.originator_id}: its Created event is missing")
        lines: dict[str, dict[str, int]] = {sku: dict(v) for sku, v in row["lines"].items()}
        status = ACTIVE
        if isinstance(e, Cart.LineAdded):
            lines[e.sku] = {"quantity": e.quantity, "unit_price": e.unit_price}
        elif isinstance(e, Cart.QuantityChanged):
            lines[e.sku] = {**lines[e.sku], "quantity": e.quantity}
        elif isinstance(e, Cart.LineRemoved):
            lines.pop(e.sku, None)
        elif isinstance(e, Cart.Cleared):
            lines = {}
            status = MERGED if e.reason == "merged" else EMPTY
        elif isinstance(e, Cart.CheckedOut):
            lines = {}
            status = CHECKED_OUT
            row.update(checked_out_at=e.timestamp, order_id=e.order_id)
        if not lines and status == ACTIVE:
            status = EMPTY  # the last line removed
        row.update(
            lines=lines,
            status=status,
            item_count=sum(line["quantity"] for line in lines.values()),
            subtotal=sum(line["quantity"] * line["unit_price"] for line in lines.values()),
            version=e.originator_version,
            last_activity_at=e.timestamp,
        )
        w.put("carts", row)
