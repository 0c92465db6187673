"""Use cases of the stores context: register, edit, suspend and reactivate tenants, and find
the open shop a storefront request names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform
from domain.stores.aggregates import Store
from domain.stores.errors import StoreCodeTakenError, StoreNotFoundError

# Longer than any store code (32): a shop's code in a URL is looked up only up to this length.
MAX_SHOP_CODE = 64


class StoreService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def get(self, store_id: UUID) -> Store:
        return self.platform.get(Store, store_id, not_found=_not_found(store_id))

    # -- the storefront ---------------------------------------------------------------------

    def open_shop(self, code: str) -> UUID:
        """The id of the store whose shop ``code`` names, if the shop is open; else a 404, as if
        it did not exist (a suspended store's shop is closed). Every storefront request asks:
        the store as read within the last second, this process's own changes at once."""
        store_id = _shop_id(code)
        store = None if store_id is None else self.platform.repository.recent(Store, store_id)
        return _open(code, store)

    def open_shop_at_once(self, code: str) -> UUID | None:
        """``open_shop``, when it can answer from memory (for the event loop, which must not
        wait for the database); None when it would have to read the store."""
        store_id = _shop_id(code)
        if store_id is None:
            return _open(code, None)
        known, store = self.platform.repository.recent_if_known(Store, store_id)
        return _open(code, store) if known else None

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


def _shop_id(code: str) -> UUID | None:
    """The id a shop's code names (None for a code no store can have)."""
    if len(code) <= MAX_SHOP_CODE and "\x00" not in code:
        return Store.id_for_code(code)
    return None


def _open(code: str, store: Store | None) -> UUID:
    if store is None or not store.is_active:
        raise StoreNotFoundError(f"no shop {code!r}", store_code=code)
    return store.id
