"""The repository behind the write path, and each command's unit of work: every read from the
log unless a command declares ``KEPT``; then reference aggregates as read within the last second,
and the aggregates it saves from this process's kept copies, which never make a decision less
safe than one taken on fresh reads."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID, uuid4

import pytest

from application import repository as repository_module
from application.catalog.app import CatalogService
from application.context import CommandContext
from application.inventory.app import InventoryService
from application.platform import Decision, Platform
from application.repository import KEPT, LOG, Reads, Repository
from application.stores.app import StoreService
from domain.catalog.aggregates import Product
from domain.inventory.aggregates import StockItem
from domain.inventory.errors import InsufficientStockError
from domain.shared.errors import ValidationError
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(repository_module.time, "monotonic", clock)
    return clock


def _counting_reads(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ids read from the log from now on (the library's repository)."""
    reads: list[Any] = []
    original = world.app.repository.get

    def get(aggregate_id: Any, **kwargs: Any) -> Any:
        reads.append(aggregate_id)
        return original(aggregate_id, **kwargs)

    monkeypatch.setattr(world.app.repository, "get", get)
    return reads


def _elsewhere(world: World) -> Platform:
    """Another process on the same log: a platform, and a repository, of its own."""
    return Platform(world.app, world.clock)


def _read_in_a_command(platform: Platform, reads: Reads, cls: type[Any], aggregate_id: UUID) -> Any:
    """What a command declaring ``reads`` reads of the aggregate (it then refuses: no save)."""
    seen: list[Any] = []

    def decide(at: Any) -> Decision:
        seen.append(platform.find(cls, aggregate_id))
        raise ValidationError("test", "only reading")

    with pytest.raises(ValidationError):
        platform.execute(CommandContext(actor="admin:test"), "Read", decide, reads=reads)
    return seen[-1]


# -- reference aggregates, as read within the last second -------------------------------------


def test_a_recent_read_serves_again_until_it_is_too_old(
    world: World, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    repository = world.platform.repository
    reads = _counting_reads(world, monkeypatch)
    first = repository.recent(Store, store_id)
    again = repository.recent(Store, store_id)
    assert first is not None and again is first and reads == [store_id]
    assert repository.recent(Product, store_id) is None  # another type: not it
    monotonic.now += repository_module.RECENT_SECONDS
    repository.recent(Store, store_id)
    assert reads == [store_id, store_id]


def test_what_does_not_exist_is_remembered_too_and_stale_entries_make_room_first(
    world: World, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    repository = world.platform.repository
    missing = uuid4()  # most stores have no locations or settings aggregate of their own
    reads = _counting_reads(world, monkeypatch)
    assert repository.recent(Store, missing) is None
    assert repository.recent(Store, missing) is None
    assert reads == [missing]
    assert repository.recent_if_known(Store, missing) == (True, None)

    # Full: a flood of unknown ids drops what is stale, not what is fresh.
    monkeypatch.setattr(repository_module, "RECENT_MAX", 3)
    repository.recent(Store, store_id)
    monotonic.now += repository_module.RECENT_SECONDS / 2
    repository.recent(Store, uuid4())
    monotonic.now += repository_module.RECENT_SECONDS / 2  # the first two are stale now
    repository.recent(Store, uuid4())
    assert repository.recent_if_known(Store, missing) == (False, None)
    assert len(repository._recent) == 2


def test_a_command_of_this_process_is_seen_at_once_and_another_process_s_soon(
    world: World, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    repository = world.platform.repository
    assert (found := repository.recent(Store, store_id)) is not None
    assert found.name == "Shop"
    world.stores.change_details(world.ctx, store_id, name="Renamed")
    assert (found := repository.recent(Store, store_id)) is not None
    assert found.name == "Renamed"  # this process's own write: forgotten at once

    StoreService(_elsewhere(world)).change_details(world.ctx, store_id, name="Elsewhere")
    assert (found := repository.recent(Store, store_id)) is not None
    assert found.name == "Renamed"  # not seen yet: read less than a second ago
    monotonic.now += repository_module.RECENT_SECONDS
    assert (found := repository.recent(Store, store_id)) is not None
    assert found.name == "Elsewhere"


def test_only_a_command_that_declares_kept_reads_reference_aggregates_as_read_recently(
    world: World, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    platform = world.platform
    assert _read_in_a_command(platform, KEPT, Store, store_id).name == "Shop"
    StoreService(_elsewhere(world)).change_details(world.ctx, store_id, name="Elsewhere")

    assert _read_in_a_command(platform, KEPT, Store, store_id).name == "Shop"  # within 1 s
    # Every other command, and every read outside a command, reads the log: no read flags.
    assert _read_in_a_command(platform, LOG, Store, store_id).name == "Elsewhere"
    assert world.stores.get(store_id).name == "Elsewhere"
    assert (found := platform.find(Store, store_id)) is not None and found.name == "Elsewhere"


def test_which_types_are_reference_or_kept_is_said_once_by_the_repository(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "A-1")
    customised = Platform(world.app, world.clock, Repository(world.app, reference={Product}))
    reads = _counting_reads(world, monkeypatch)
    _read_in_a_command(customised, KEPT, Product, product_id)
    _read_in_a_command(customised, KEPT, Product, product_id)
    _read_in_a_command(customised, KEPT, Store, store_id)
    _read_in_a_command(customised, KEPT, Store, store_id)
    assert reads == [product_id, store_id, store_id]  # the store is not reference there


# -- the shop a storefront request names ------------------------------------------------------


def test_a_shop_is_its_open_store_and_a_closed_or_unknown_one_is_not_found(
    world: World, monotonic: _Clock
) -> None:
    store_id = world.new_store("corner")
    stores = world.stores
    assert stores.open_shop_at_once("corner") is None  # not known yet: it must be read
    assert stores.open_shop("Corner") == store_id
    assert stores.open_shop_at_once("corner") == store_id  # known now: no read
    for unknown in ("nowhere", "x" * 65, "a\x00b"):
        with pytest.raises(StoreNotFoundError):
            stores.open_shop(unknown)
    with pytest.raises(StoreNotFoundError):
        stores.open_shop_at_once("x" * 65)  # no store can have it: known without a read

    stores.suspend(world.ctx, store_id, reason="audit")  # this process: seen at once
    assert stores.open_shop_at_once("corner") is None
    with pytest.raises(StoreNotFoundError):
        stores.open_shop("corner")
    with pytest.raises(StoreNotFoundError):
        stores.open_shop_at_once("corner")

    StoreService(_elsewhere(world)).reactivate(world.ctx, store_id)  # another process: soon
    with pytest.raises(StoreNotFoundError):
        stores.open_shop("corner")
    monotonic.now += repository_module.RECENT_SECONDS
    assert stores.open_shop("corner") == store_id


# -- kept copies of what this process saved ---------------------------------------------------


class _Stock:
    """A stock item and the commands on it, run through one platform (one process)."""

    def __init__(self, platform: Platform, item_id: Any, reads: Reads = KEPT) -> None:
        self.platform, self.item_id, self.reads = platform, item_id, reads

    def run(self, change: Any) -> Any:
        def decide(at: Any) -> Decision:
            item = self.platform.find(StockItem, self.item_id)
            assert item is not None
            change(item, at)
            return Decision(primary=item)

        ctx = CommandContext(actor="admin:test")
        return self.platform.execute(ctx, "stock", decide, reads=self.reads)

    def receive(self, quantity: int) -> Any:
        return self.run(lambda item, at: item.receive(quantity=quantity, reference=None, at=at))

    def reserve(self, quantity: int) -> Any:
        return self.run(
            lambda item, at: item.reserve(
                reservation_id=uuid4(), quantity=quantity, order_id=None, expires_at=None, at=at
            )
        )


@pytest.fixture
def stock(world: World) -> _Stock:
    store_id = world.new_store()
    item = StockItem.create(store_id=store_id, location_id=uuid4(), sku="A", at=world.clock.now())
    world.app.save(item)
    return _Stock(world.platform, item.id)


def test_a_kept_command_reads_what_this_process_saved_without_asking_the_log(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock.receive(5)
    reads = _counting_reads(world, monkeypatch)
    stock.reserve(2)
    stock.reserve(1)
    assert reads == []
    item = world.platform.find(StockItem, stock.item_id)  # outside a command: the log
    assert item is not None and (item.on_hand, item.available(world.clock.now())) == (5, 2)
    assert reads == [stock.item_id]
    # A command that declares nothing reads the log, though a copy is kept.
    _Stock(world.platform, stock.item_id, LOG).reserve(1)
    assert reads == [stock.item_id, stock.item_id]


def test_what_a_command_reads_is_a_copy_of_what_was_saved(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock.receive(5)

    def reserve_all_then_fail(item: StockItem, at: Any) -> None:
        item.reserve(reservation_id=uuid4(), quantity=5, order_id=None, expires_at=None, at=at)
        raise ValidationError("note", "is too long")

    with pytest.raises(ValidationError):
        stock.run(reserve_all_then_fail)
    reads = _counting_reads(world, monkeypatch)
    # The kept item did not take the failed command's reservation: granted at once, where a
    # changed one would have refused first and then asked the log.
    stock.reserve(5)
    assert reads == []


def test_a_stale_copy_conflicts_and_the_command_decides_again_on_fresh_reads(
    world: World, stock: _Stock
) -> None:
    stock.receive(5)
    elsewhere = _Stock(_elsewhere(world), stock.item_id)
    elsewhere.reserve(4)
    result = stock.reserve(1)  # decided first on the stale copy (5 free): its save conflicts
    item = world.platform.find(StockItem, stock.item_id)
    assert item is not None and item.version == result.version
    assert item.available(world.clock.now()) == 0  # both reservations hold
    with pytest.raises(InsufficientStockError):
        stock.reserve(1)


def test_a_refusal_decided_on_a_stale_copy_is_checked_on_fresh_reads(
    world: World, stock: _Stock
) -> None:
    stock.receive(1)
    stock.reserve(1)  # none free, as this process last saw it
    _Stock(_elsewhere(world), stock.item_id).receive(10)
    stock.reserve(3)  # refused on the kept copy, then granted on the fresh one
    item = world.platform.find(StockItem, stock.item_id)
    assert item is not None and item.available(world.clock.now()) == 7


def test_a_kept_copy_read_and_not_saved_sends_the_command_back_to_fresh_reads(
    world: World, stock: _Stock
) -> None:
    first = stock  # drawn from first, as checkout draws from the store's first location
    store_id = world.platform.find(StockItem, first.item_id).store_id  # type: ignore[union-attr]
    other = StockItem.create(store_id=store_id, location_id=uuid4(), sku="A", at=world.clock.now())
    world.app.save(other)
    second = _Stock(world.platform, other.id)
    first.receive(1)
    first.reserve(1)  # used up, as this process last saw it
    second.receive(5)
    _Stock(_elsewhere(world), first.item_id).receive(3)

    def draw_one(at: Any) -> Decision:
        for item_id in (first.item_id, second.item_id):
            item = world.platform.find(StockItem, item_id)
            assert item is not None
            if item.available(at) > 0:
                item.reserve(
                    reservation_id=uuid4(), quantity=1, order_id=None, expires_at=None, at=at
                )
                return Decision(primary=item)
        raise InsufficientStockError("none left")

    world.platform.execute(CommandContext(actor="admin:test"), "draw", draw_one, reads=KEPT)
    now = world.clock.now()
    drawn_first = world.platform.find(StockItem, first.item_id)
    drawn_second = world.platform.find(StockItem, second.item_id)
    assert drawn_first is not None and drawn_second is not None
    # From the first item, which the fresh read shows restocked, not from the second one.
    assert (drawn_first.available(now), drawn_second.available(now)) == (2, 5)


def test_only_the_kept_types_are_kept(world: World, stock: _Stock) -> None:
    stock.receive(1)
    store_id = world.new_store("other")
    world.stores.change_details(world.ctx, store_id, name="Renamed")
    assert [type(a) for a in world.platform.repository._kept.values()] == [StockItem]


def test_a_copy_that_went_stale_is_read_from_the_log_for_a_while(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    stock.receive(5)
    _Stock(_elsewhere(world), stock.item_id).reserve(1)
    stock.reserve(1)  # the kept copy was stale: conflict, then fresh reads
    reads = _counting_reads(world, monkeypatch)
    stock.reserve(1)
    assert reads == [stock.item_id]  # contended: from the log, though a copy is kept
    monotonic.now += repository_module.CONTENDED_SECONDS
    stock.reserve(1)
    assert reads == [stock.item_id]  # quiet again: the kept copy


def test_a_unit_of_work_is_the_deciding_thread_s_only(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock.receive(5)
    reads = _counting_reads(world, monkeypatch)
    beside: list[Any] = []

    def reserve_while_another_thread_reads(item: StockItem, at: Any) -> None:
        reader = threading.Thread(
            target=lambda: beside.append(world.platform.find(StockItem, stock.item_id))
        )
        reader.start()
        reader.join()
        item.reserve(reservation_id=uuid4(), quantity=1, order_id=None, expires_at=None, at=at)

    stock.run(reserve_while_another_thread_reads)
    assert reads == [stock.item_id]  # the other thread's read, from the log
    assert beside[0] is not None and beside[0].available(world.clock.now()) == 5


# -- checkout, the command that reads KEPT ----------------------------------------------------


def test_a_checkout_reads_nothing_this_process_already_knows(
    world: World, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    world.on_sale(store_id, "LAMP-1", stock=10)
    rate_id = world.flat_rate(store_id)
    world.check_out(store_id, world.guest_cart(store_id, {"LAMP-1": 1}), rate_id)
    cart = world.guest_cart(store_id, {"LAMP-1": 2})
    reads = _counting_reads(world, monkeypatch)

    placed = world.check_out(store_id, cart, rate_id)

    # The store, its settings, rates and locations as read within the second; the cart and
    # the stock item as this process saved them: not one read of the log.
    assert reads == []
    assert [line["quantity"] for line in placed.order.lines] == [2]
    assert world.inventory.available(store_id, "LAMP-1", world.clock.now()) == 7


def test_a_checkout_refused_on_kept_stock_is_checked_on_the_log(world: World) -> None:
    store_id = world.new_store()
    world.on_sale(store_id, "LAMP-1", stock=1)
    rate_id = world.flat_rate(store_id)
    world.check_out(store_id, world.guest_cart(store_id, {"LAMP-1": 1}), rate_id)
    # Sold out as this process last saved it; restocked by another process.
    elsewhere = _elsewhere(world)
    InventoryService(elsewhere, CatalogService(elsewhere)).receive(
        world.ctx, store_id, sku="LAMP-1", quantity=3
    )
    cart = world.guest_cart(store_id, {"LAMP-1": 3})

    placed = world.check_out(store_id, cart, rate_id)

    assert [line["quantity"] for line in placed.order.lines] == [3]
    assert world.inventory.available(store_id, "LAMP-1", world.clock.now()) == 0
