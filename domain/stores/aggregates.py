"""The Store aggregate: a tenant of the platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.aggregate import OrionAggregate
from domain.shared.ids import store_id_for_code
from domain.shared.money import check_currency
from domain.shared.topics import stable_topics
from domain.stores.errors import StoreStateError
from domain.stores.values import check_code, check_country, check_locale, check_name

ACTIVE = "active"
SUSPENDED = "suspended"


@stable_topics("stores", was="domain.stores.aggregates")
class Store(OrionAggregate):
    class Registered(OrionAggregate.Created):
        code: str
        name: str
        country: str
        currency: str
        locale: str

    class DetailsChanged(OrionAggregate.Event):
        name: str
        country: str
        locale: str

        def apply(self, store: Any) -> None:
            store.name, store.country, store.locale = self.name, self.country, self.locale

    class Suspended(OrionAggregate.Event):
        reason: str

        def apply(self, store: Any) -> None:
            store.status = SUSPENDED
            store.suspension_reason = self.reason

    class Reactivated(OrionAggregate.Event):
        def apply(self, store: Any) -> None:
            store.status = ACTIVE
            store.suspension_reason = None

    def __init__(self, code: str, name: str, country: str, currency: str, locale: str) -> None:
        self.code = code
        self.name = name
        self.country = country
        self.currency = currency
        self.locale = locale
        self.status = ACTIVE
        self.suspension_reason: str | None = None

    @classmethod
    def register(
        cls, *, code: str, name: str, country: str, currency: str, locale: str, at: datetime
    ) -> Store:
        code = check_code(code)
        return cls._create(
            cls.Registered,
            id=store_id_for_code(code),
            timestamp=at,
            code=code,
            name=check_name(name),
            country=check_country(country),
            currency=check_currency(currency),
            locale=check_locale(locale),
        )

    @staticmethod
    def id_for_code(code: str) -> UUID:
        return store_id_for_code(code.strip().lower())

    def change_details(
        self, *, name: str | None, country: str | None, locale: str | None, at: datetime
    ) -> None:
        new = (
            self.name if name is None else check_name(name),
            self.country if country is None else check_country(country),
            self.locale if locale is None else check_locale(locale),
        )
        if new != (self.name, self.country, self.locale):
            self._trigger(self.DetailsChanged, at, name=new[0], country=new[1], locale=new[2])

    def suspend(self, *, reason: str, at: datetime) -> None:
        if self.status == SUSPENDED:
            raise StoreStateError("the store is already suspended", status=self.status)
        self._trigger(self.Suspended, at, reason=check_name(reason, "reason"))

    def reactivate(self, *, at: datetime) -> None:
        if self.status == ACTIVE:
            raise StoreStateError("the store is already active", status=self.status)
        self._trigger(self.Reactivated, at)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE
