"""A store's shipping rates: flat per order, by weight band, or free over an amount; each for a
set of destination countries (or everywhere)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_line, check_whole
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ids import store_singleton_id
from domain.shared.topics import stable_topics
from domain.stores.values import check_country

KINDS = ("flat", "weight", "free_over")
MAX_AMOUNT = 100_000_000


class ShippingRateNotFoundError(NotFoundError):
    code = "shipping_rate_not_found"


def _amount(value: Any, field: str) -> int:
    return check_whole(value, field, low=0, high=MAX_AMOUNT)


def check_rate(spec: dict[str, Any]) -> dict[str, Any]:
    """A rate's definition, checked and normalised (plain data: it goes into events)."""
    name = check_line(spec.get("name") or "", "name", limit=100)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
    countries = spec.get("countries") or []
    if not isinstance(countries, list) or len(countries) > 300:
        raise ValidationError("countries", "must be a list of ISO countries (empty: everywhere)")
    checked_countries: list[str] = []
    for i, c in enumerate(countries):
        try:
            checked_countries.append(check_country(str(c)))
        except ValidationError as error:
            raise ValidationError(f"countries[{i}]", error.detail) from None
    rate: dict[str, Any] = {"name": name, "kind": kind, "countries": sorted(set(checked_countries))}
    rate["amount"] = _amount(spec.get("amount", 0), "amount")
    if kind == "weight":
        bands = spec.get("bands") or []
        if not isinstance(bands, list) or not 1 <= len(bands) <= 50:
            raise ValidationError("bands", "a weight rate needs 1-50 bands")
        checked = []
        for i, band in enumerate(bands):
            if not isinstance(band, dict):
                raise ValidationError(f"bands[{i}]", "must be {max_grams, amount}")
            grams = check_whole(band.get("max_grams"), f"bands[{i}].max_grams", low=1)
            checked.append(
                {"max_grams": grams, "amount": _amount(band.get("amount"), f"bands[{i}].amount")}
            )
        rate["bands"] = sorted(checked, key=lambda b: b["max_grams"])
    if kind == "free_over":
        rate["free_over"] = _amount(spec.get("free_over"), "free_over")
    return rate


def price_of(rate: dict[str, Any], *, subtotal: int, weight_grams: int) -> int | None:
    """What the rate charges for an order, or None if it does not apply (too heavy)."""
    if rate["kind"] == "flat":
        return int(rate["amount"])
    if rate["kind"] == "free_over":
        return 0 if subtotal >= rate["free_over"] else int(rate["amount"])
    for band in rate["bands"]:
        if weight_grams <= band["max_grams"]:
            return int(band["amount"])
    return None


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
