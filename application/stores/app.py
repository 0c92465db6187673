"""Use cases of the stores context: register, edit, suspend and reactivate tenants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform
from domain.stores.aggregates import Store
from domain.stores.errors import StoreCodeTakenError, StoreNotFoundError


class StoreService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def get(self, store_id: UUID) -> Store:
        return self.platform.get(Store, store_id, not_found=_not_found(store_id))

    def register(
        self,
        ctx: CommandContext,
        *,
        code: str,
        name: str,
        country: str,
        currency: str,
        locale: str,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            store = Store.register(
                code=code, name=name, country=country, currency=currency, locale=locale, at=at
            )
            taken = StoreCodeTakenError(f"store code {store.code!r} is taken", code=store.code)
            if self.platform.find(Store, store.id) is not None:
                raise taken
            return Decision(store, on_conflict=lambda: taken)

        return self.platform.execute(ctx, "RegisterStore", decide)

    def change_details(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        name: str | None = None,
        country: str | None = None,
        locale: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            store = self._load(store_id, expected_version)
            store.change_details(name=name, country=country, locale=locale, at=at)
            return Decision(store)

        return self.platform.execute(ctx.for_store(store_id), "ChangeStoreDetails", decide)

    def suspend(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            store = self._load(store_id, expected_version)
            store.suspend(reason=reason, at=at)
            return Decision(store)

        return self.platform.execute(ctx.for_store(store_id), "SuspendStore", decide)

    def reactivate(
        self, ctx: CommandContext, store_id: UUID, *, expected_version: int | None = None
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            store = self._load(store_id, expected_version)
            store.reactivate(at=at)
            return Decision(store)

        return self.platform.execute(ctx.for_store(store_id), "ReactivateStore", decide)

    def _load(self, store_id: UUID, expected_version: int | None) -> Store:
        return self.platform.get(
            Store, store_id, not_found=_not_found(store_id), expected_version=expected_version
        )


def _not_found(store_id: UUID) -> Callable[[], StoreNotFoundError]:
    return lambda: StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
