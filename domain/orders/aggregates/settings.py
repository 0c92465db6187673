"""A store's commerce settings: how long checkout holds stock, how long a bank transfer may
take before the order is cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.orders.values import DEFAULTS, LIMITS
from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_whole
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.shared.topics import stable_topics


@stable_topics("orders", was="domain.orders.settings")
class CommerceSettings(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID

    class Changed(OrionAggregate.Event):
        values: dict[str, int]

        def apply(self, settings: Any) -> None:
            settings.values = {**settings.values, **self.values}

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.values: dict[str, int] = dict(DEFAULTS)

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return store_singleton_id(store_id, "commerce-settings")

    @classmethod
    def create(cls, *, store_id: UUID, at: datetime) -> CommerceSettings:
        return cls._create(cls.Created, id=cls.id_for(store_id), timestamp=at, store_id=store_id)

    def change(self, *, values: dict[str, Any], at: datetime) -> None:
        checked: dict[str, int] = {}
        for key, value in values.items():
            if key not in LIMITS:
                raise ValidationError(key, "is not a commerce setting")
            low, high = LIMITS[key]
            check_whole(value, key, low=low, high=high)
            if self.values.get(key) != value:
                checked[key] = value
        if checked:
            self._trigger(self.Changed, at, values=checked)
