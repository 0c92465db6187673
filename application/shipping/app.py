"""Use cases of shipping: a store's shipping rates, which checkout quotes from."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform
from domain.shipping.aggregates import ShippingRates
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError


class ShippingService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def rates(self, store_id: UUID) -> ShippingRates | None:
        return self.platform.find(ShippingRates, ShippingRates.id_for(store_id))

    def _rates_for_change(self, store_id: UUID, at: datetime) -> ShippingRates:
        if self.platform.find(Store, store_id) is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return self.rates(store_id) or ShippingRates.create(store_id=store_id, at=at)

    def set_rate(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        spec: dict[str, Any],
        rate_id: UUID | None = None,
    ) -> tuple[CommandResult, UUID]:
        """Adds a rate (no ``rate_id``) or replaces one."""
        chosen = rate_id or uuid4()

        def decide(at: datetime) -> Decision:
            rates = self._rates_for_change(store_id, at)
            if rate_id is not None:
                rates.get(rate_id)
            rates.set_rate(rate_id=chosen, spec=spec, at=at)
            return Decision(rates)

        return self.platform.execute(ctx.for_store(store_id), "SetShippingRate", decide), chosen

    def remove_rate(self, ctx: CommandContext, store_id: UUID, rate_id: UUID) -> CommandResult:
        def decide(at: datetime) -> Decision:
            rates = self._rates_for_change(store_id, at)
            rates.remove_rate(rate_id=rate_id, at=at)
            return Decision(rates)

        return self.platform.execute(ctx.for_store(store_id), "RemoveShippingRate", decide)
