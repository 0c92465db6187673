"""The platform on the in-memory event store, with a clock that ticks one second per reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.catalog.app import CatalogService
from application.context import CommandContext
from application.platform import OrionApplication, Platform
from application.stores.app import StoreService
from tests.unit.domain.scenario import T0


@dataclass
class TickingClock:
    now_: datetime = T0

    def now(self) -> datetime:
        self.now_ += timedelta(seconds=1)
        return self.now_


@dataclass
class World:
    app: OrionApplication = field(
        default_factory=lambda: OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    )
    clock: TickingClock = field(default_factory=TickingClock)
    ctx: CommandContext = field(default_factory=lambda: CommandContext(actor="admin:test"))

    def __post_init__(self) -> None:
        self.platform = Platform(self.app, self.clock)
        self.stores = StoreService(self.platform)
        self.catalog = CatalogService(self.platform)

    def new_store(self, code: str = "shop") -> UUID:
        result = self.stores.register(
            self.ctx, code=code, name="Shop", country="LU", currency="EUR", locale="en"
        )
        return result.id

    def new_product(self, store_id: UUID, *skus: str) -> UUID:
        result = self.catalog.create_product(
            self.ctx, store_id, title="A product", variants=[variant(s) for s in skus]
        )
        return result.id


def variant(sku: str, amount: int = 1999) -> dict[str, Any]:
    return {"sku": sku, "price": {"amount": amount, "currency": "EUR"}, "attributes": {}}
