"""Order numbers: the smallest read model, so that checkout can answer with the number soon.

A store's orders are numbered 1, 2, 3… in the order their ``Order.Placed`` events stand in the
log: gap-free, per store, and the same however often the log is replayed. The orders read model
numbers them the same way (``projections/orders/projector.py``), for its desk and search; this
one does nothing else, follows the log on a thread of its own (the follower's ``own_thread``),
and is what checkout and the confirmation e-mail wait for, instead of the whole orders model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid

from domain.orders.aggregates import Order
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store
from projections.base import EventEnvelope, Projection
from projections.writer import Writer

NAME = "order_numbers"


def number_text(code: str, number: int) -> str:
    return f"{code.upper()}-{number:06d}"


def define_number_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    return {
        "stores": Table(
            f"order_number_stores{suffix}",
            metadata,
            Column("store_id", Uuid, primary_key=True),
            Column("code", String(32), nullable=False),
            Column("last_number", Integer, nullable=False),
        ),
        "numbers": Table(
            f"order_numbers{suffix}",
            metadata,
            Column("order_id", Uuid, primary_key=True),
            Column("store_id", Uuid, nullable=False),
            Column("number", Integer, nullable=False),
            Column("number_text", String(48), nullable=False),
        ),
    }


class OrderNumbersProjection(Projection):
    name = NAME
    topics = topics_of(Store.Registered, Order.Placed)

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_number_tables(metadata, suffix)

    def prefetch(self, envelopes: Any, w: Writer) -> None:
        w.prefetch(
            "stores", {e.event.store_id for e in envelopes if isinstance(e.event, Order.Placed)}
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Store.Registered):
            w.insert("stores", {"store_id": e.originator_id, "code": e.code, "last_number": 0})
            return
        store = w.get("stores", e.store_id)
        if store is None:
            raise LookupError(f"order {e.originator_id}'s store {e.store_id} is unknown")
        number = int(store["last_number"]) + 1
        w.patch("stores", e.store_id, last_number=number)
        w.insert(
            "numbers",
            {
                "order_id": e.originator_id,
                "store_id": e.store_id,
                "number": number,
                "number_text": number_text(store["code"], number),
            },
        )
