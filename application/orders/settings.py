"""A store's checkout settings: how long a shopper has to pay, how long checkout holds stock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform
from domain.orders.aggregates import CommerceSettings
from domain.orders.values import DEFAULTS
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError


class CommerceSettingsService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def settings(self, store_id: UUID) -> dict[str, int]:
        found = self.platform.find(CommerceSettings, CommerceSettings.id_for(store_id))
        return dict(found.values) if found else dict(DEFAULTS)

    def change_settings(
        self, ctx: CommandContext, store_id: UUID, values: dict[str, Any]
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            if self.platform.find(Store, store_id) is None:
                raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
            found = self.platform.find(CommerceSettings, CommerceSettings.id_for(store_id))
            settings = found or CommerceSettings.create(store_id=store_id, at=at)
            settings.change(values=values, at=at)
            return Decision(settings)

        return self.platform.execute(ctx.for_store(store_id), "ChangeCommerceSettings", decide)
