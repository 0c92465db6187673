"""Use cases of inventory: locations, receiving, adjusting, counting, thresholds, and the
stock items that checkout draws from (``domain.inventory.policies.allocate``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from application.catalog.app import CatalogService
from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform
from domain.inventory.aggregates import Locations, StockItem
from domain.inventory.errors import StockItemNotFoundError
from domain.shared.errors import NotFoundError
from domain.shared.ids import stock_item_id, store_singleton_id
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError

DEFAULT_LOCATION_CODE = "main"
# Concurrent movements of one stock item conflict; the loser re-decides on fresh state.
CONFLICT_RETRIES = 30


def default_location_id(store_id: UUID) -> UUID:
    return store_singleton_id(store_id, "location:default")


def retrying(decide: Any, attempts: int = CONFLICT_RETRIES) -> Any:
    """A decision whose ``retry`` re-runs it from scratch (reloading everything) after a
    version conflict, up to ``attempts`` times: for commands on hot aggregates (a stock item
    many shoppers want), where a lost race must re-check the rule, not fail the request."""
    left = [attempts]

    def attempt(at: datetime) -> Decision:
        decision: Decision = decide(at)
        if left[0] > 0:
            left[0] -= 1
            decision.retry = attempt
        return decision

    return attempt


class InventoryService:
    def __init__(self, platform: Platform, catalog: CatalogService) -> None:
        self.platform = platform
        self.catalog = catalog

    # -- reading ----------------------------------------------------------------------------

    def locations(self, store_id: UUID) -> Locations | None:
        return self.platform.find(Locations, Locations.id_for(store_id))

    def location_ids(self, store_id: UUID) -> list[UUID]:
        """The store's locations in the order stock is drawn from."""
        found = self.platform.find(Locations, Locations.id_for(store_id))
        return found.in_order() if found else [default_location_id(store_id)]

    def item(self, store_id: UUID, location_id: UUID, sku: str) -> StockItem | None:
        return self.platform.find(StockItem, stock_item_id(store_id, location_id, sku))

    def items(self, store_id: UUID, sku: str) -> list[StockItem]:
        """The SKU's stock items, in the order checkout draws from."""
        return list(self.iter_items(store_id, sku))

    def iter_items(
        self, store_id: UUID, sku: str, location_ids: list[UUID] | None = None
    ) -> Iterator[StockItem]:
        """``items``, read one at a time: a caller that has what it needs reads no more (pass
        ``location_ids`` when asking for several SKUs: one read of the locations instead of one
        per SKU)."""
        for location_id in location_ids or self.location_ids(store_id):
            item = self.item(store_id, location_id, sku)
            if item is not None:
                yield item

    def available(
        self, store_id: UUID, sku: str, at: datetime, *, holder: UUID | None = None
    ) -> int:
        """Units of ``sku`` available at every location; to ``holder``, its own hold too."""
        return sum(item.available_to(holder, at) for item in self.items(store_id, sku))

    # -- locations --------------------------------------------------------------------------

    def _locations_for_change(self, store_id: UUID, at: datetime) -> Locations:
        if self.platform.find(Store, store_id) is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        locations = self.locations(store_id)
        if locations is None:
            locations = Locations.create(store_id=store_id, at=at)
            locations.add(
                location_id=default_location_id(store_id),
                code=DEFAULT_LOCATION_CODE,
                name="Main",
                at=at,
            )
        return locations

    def add_location(
        self, ctx: CommandContext, store_id: UUID, *, code: str, name: str
    ) -> tuple[CommandResult, UUID]:
        # Derived from the Idempotency-Key when there is one: a replay answers the same id.
        location_id = (
            uuid5(store_id, f"location:{ctx.actor}:{ctx.idempotency_key}")
            if ctx.idempotency_key
            else uuid4()
        )

        def decide(at: datetime) -> Decision:
            locations = self._locations_for_change(store_id, at)
            locations.add(location_id=location_id, code=code, name=name, at=at)
            return Decision(locations)

        result = self.platform.execute(ctx.for_store(store_id), "AddLocation", decide)
        return result, location_id

    def make_default(self, ctx: CommandContext, store_id: UUID, location_id: UUID) -> CommandResult:
        def decide(at: datetime) -> Decision:
            locations = self._locations_for_change(store_id, at)
            locations.make_default(location_id=location_id, at=at)
            return Decision(locations)

        return self.platform.execute(ctx.for_store(store_id), "MakeDefaultLocation", decide)

    # -- movements --------------------------------------------------------------------------

    def _item_for_change(
        self, store_id: UUID, sku: str, location_id: UUID | None, at: datetime
    ) -> tuple[StockItem, list[Any]]:
        """The stock item (created on first use) and what else must be saved with it."""
        product = self._product_for_sku(store_id, sku)
        locations = self._locations_for_change(store_id, at)
        location = location_id or locations.default_id or default_location_id(store_id)
        locations.check(location)
        # Saved too: when this is the store's first stock item, the locations are new.
        touched: list[Any] = [locations]
        item = self.item(store_id, location, product["sku"])
        if item is None:
            item = StockItem.create(
                store_id=store_id, location_id=location, sku=product["sku"], at=at
            )
        return item, touched

    def _product_for_sku(self, store_id: UUID, sku: str) -> dict[str, Any]:
        found = self.catalog.product_for_sku(store_id, sku)
        if found is None:
            raise NotFoundError(f"no product with SKU {sku!r} in this store", sku=sku)
        product, variant = found
        return {"sku": variant.sku, "product_id": product.id}

    def _move(
        self, ctx: CommandContext, store_id: UUID, command: str, act: Any, **where: Any
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            item, touched = self._item_for_change(
                store_id, where["sku"], where.get("location_id"), at
            )
            act(item, at)
            return Decision(item, touched=touched)

        return self.platform.execute(ctx.for_store(store_id), command, retrying(decide))

    def receive(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        sku: str,
        quantity: int,
        reference: str | None = None,
        location_id: UUID | None = None,
    ) -> CommandResult:
        return self._move(
            ctx,
            store_id,
            "ReceiveStock",
            lambda item, at: item.receive(quantity=quantity, reference=reference, at=at),
            sku=sku,
            location_id=location_id,
        )

    def adjust(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        sku: str,
        delta: int,
        reason: str,
        note: str | None = None,
        location_id: UUID | None = None,
    ) -> CommandResult:
        return self._move(
            ctx,
            store_id,
            "AdjustStock",
            lambda item, at: item.adjust(delta=delta, reason=reason, note=note, at=at),
            sku=sku,
            location_id=location_id,
        )

    def count(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        sku: str,
        counted: int,
        note: str | None = None,
        location_id: UUID | None = None,
    ) -> CommandResult:
        return self._move(
            ctx,
            store_id,
            "CountStock",
            lambda item, at: item.count(counted=counted, note=note, at=at),
            sku=sku,
            location_id=location_id,
        )

    def set_threshold(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        sku: str,
        threshold: int,
        location_id: UUID | None = None,
    ) -> CommandResult:
        return self._move(
            ctx,
            store_id,
            "SetLowStockThreshold",
            lambda item, at: item.set_threshold(threshold=threshold, at=at),
            sku=sku,
            location_id=location_id,
        )

    def release_expired_holds(
        self, ctx: CommandContext, store_id: UUID, location_id: UUID, sku: str
    ) -> CommandResult | None:
        """Records the release of holds that expired (they stopped counting when they did)."""
        item = self.item(store_id, location_id, sku)
        if item is None or not item.expired_holds(self.platform.clock.now()):
            return None

        def decide(at: datetime) -> Decision:
            fresh = self.item(store_id, location_id, sku)
            if fresh is None:
                raise StockItemNotFoundError(f"no stock item for {sku!r}", sku=sku)
            for hold in fresh.expired_holds(at):
                fresh.release(reservation_id=hold, reason="expired", at=at)
            return Decision(fresh)

        return self.platform.execute(
            ctx.for_store(store_id), "ReleaseExpiredHolds", retrying(decide)
        )
