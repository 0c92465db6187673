"""A store's shipping rates as its team lists them, fed by the ShippingRates events: one row
per rate and store, and per store the version its rates are at."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import MetaData, Table

from domain.shared.topics import topics_of
from domain.shipping.aggregates import ShippingRates
from projections.base import EventEnvelope, Projection
from projections.shipping.tables import define_tables
from projections.writer import Writer

NAME = "shipping_rates"


class ShippingRatesProjection(Projection):
    name = NAME
    topics = topics_of(ShippingRates.Created, ShippingRates.RateSet, ShippingRates.RateRemoved)

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        w.prefetch(
            "rate_sets",
            {
                e.event.originator_id
                for e in envelopes
                if not isinstance(e.event, ShippingRates.Created)
            },
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, ShippingRates.Created):
            w.insert(
                "rate_sets",
                {
                    "rates_id": e.originator_id,
                    "store_id": e.store_id,
                    "version": e.originator_version,
                    "updated_at": e.timestamp,
                },
            )
            return
        found = w.get("rate_sets", e.originator_id)
        if found is None:
            raise LookupError(f"no shipping rates {e.originator_id}: its Created event is missing")
        store_id = found["store_id"]
        if isinstance(e, ShippingRates.RateSet):
            rate = e.rate
            w.put(
                "rates",
                {
                    "store_id": store_id,
                    "rate_id": e.rate_id,
                    "name": rate["name"],
                    "kind": rate["kind"],
                    "amount": rate["amount"],
                    "countries": list(rate["countries"]),
                    "bands": [dict(b) for b in rate["bands"]] if "bands" in rate else None,
                    "free_over": rate.get("free_over"),
                    "set_at": e.timestamp,
                },
            )
        elif isinstance(e, ShippingRates.RateRemoved):
            w.delete("rates", (store_id, e.rate_id))
        w.patch("rate_sets", e.originator_id, version=e.originator_version, updated_at=e.timestamp)
