"""A store's shipping rates: flat per order, by weight band, or free over an amount; each for a
set of destination countries (or everywhere)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.aggregate import OrionAggregate
from domain.shared.ids import store_singleton_id
from domain.shared.topics import stable_topics
from domain.shipping.errors import ShippingRateNotFoundError
from domain.shipping.values import check_rate, price_of


@stable_topics("shipping", was="domain.shipping.aggregates")
class ShippingRates(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID

    class RateSet(OrionAggregate.Event):
        rate_id: UUID
        rate: dict[str, Any]

        def apply(self, rates: Any) -> None:
            rates.rates[self.rate_id] = dict(self.rate)

    class RateRemoved(OrionAggregate.Event):
        rate_id: UUID

        def apply(self, rates: Any) -> None:
            rates.rates.pop(self.rate_id, None)

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.rates: dict[UUID, dict[str, Any]] = {}

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return store_singleton_id(store_id, "shipping")

    @classmethod
    def create(cls, *, store_id: UUID, at: datetime) -> ShippingRates:
        return cls._create(cls.Created, id=cls.id_for(store_id), timestamp=at, store_id=store_id)

    def set_rate(self, *, rate_id: UUID, spec: dict[str, Any], at: datetime) -> None:
        rate = check_rate(spec)
        if self.rates.get(rate_id) != rate:
            self._trigger(self.RateSet, at, rate_id=rate_id, rate=rate)

    def remove_rate(self, *, rate_id: UUID, at: datetime) -> None:
        self.get(rate_id)
        self._trigger(self.RateRemoved, at, rate_id=rate_id)

    def get(self, rate_id: UUID) -> dict[str, Any]:
        rate = self.rates.get(rate_id)
        if rate is None:
            raise ShippingRateNotFoundError(f"no shipping rate {rate_id}", rate_id=str(rate_id))
        return rate

    def quotes(self, *, country: str, subtotal: int, weight_grams: int) -> list[dict[str, Any]]:
        """The rates that ship to ``country``, with what each charges, cheapest first."""
        found = []
        for rate_id, rate in self.rates.items():
            if rate["countries"] and country not in rate["countries"]:
                continue
            amount = price_of(rate, subtotal=subtotal, weight_grams=weight_grams)
            if amount is not None:
                found.append({"rate_id": rate_id, "name": rate["name"], "amount": amount})
        return sorted(found, key=lambda q: (q["amount"], q["name"]))
