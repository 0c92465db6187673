"""The one write path: metadata on every event, idempotency keys, one atomic save per command."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest

from application import platform as platform_module
from application.context import CommandContext
from application.platform import Decision, Platform
from application.stores.app import StoreService
from domain.catalog.aggregates import Product
from domain.inventory.aggregates import StockItem
from domain.inventory.errors import InsufficientStockError
from domain.shared.errors import ValidationError
from domain.shared.events import event_metadata
from domain.stores.aggregates import Store
from domain.stores.errors import StoreCodeTakenError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


def test_every_event_of_a_command_carries_its_metadata(world: World) -> None:
    ctx = replace(world.ctx, correlation_id="corr-1")
    store_id = world.new_store()

    world.catalog.create_product(
        ctx,
        store_id,
        title="A",
        variants=[{"sku": s, "price": {"amount": 1, "currency": "EUR"}} for s in ("A", "B")],
    )

    notifications = world.app.recorder.select_notifications(start=2, limit=10)
    assert len(notifications) == 3  # the product and its two SKU claims
    for notification in notifications:
        event = world.app.mapper.to_domain_event(notification)
        assert event_metadata(event) == {
            "actor": "admin:test",
            "correlation_id": "corr-1",
            "idempotency_key": None,
            "store_id": str(store_id),
        }


def test_the_same_key_and_request_answers_as_the_first_time_and_writes_nothing(
    world: World,
) -> None:
    ctx = replace(world.ctx, idempotency_key="k1", request_fingerprint="f1")
    store_id = world.new_store()
    first = world.catalog.publish(ctx, store_id, world.new_product(store_id, "A"))
    head = world.platform.head()

    again = world.catalog.publish(ctx, store_id, first.id)

    assert (again.id, again.version, again.replayed) == (first.id, first.version, True)
    assert world.platform.head() == head


def test_the_same_key_with_another_request_is_refused(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "A")
    ctx = replace(world.ctx, idempotency_key="k1", request_fingerprint="f1")
    world.catalog.publish(ctx, store_id, product_id)

    with pytest.raises(ValidationError) as raised:
        world.catalog.publish(replace(ctx, request_fingerprint="f2"), store_id, product_id)

    assert raised.value.field == "Idempotency-Key"


def test_a_lost_race_writes_none_of_the_commands_aggregates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = world.new_store()
    save = world.app.save

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        # Another request registers the same code between our check and our save.
        monkeypatch.setattr(world.app, "save", save)
        world.new_store("taken")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(world.app, "save", save_after_a_rival)
    ctx = replace(world.ctx, idempotency_key="k2", request_fingerprint="f")
    head_before = world.platform.head()

    with pytest.raises(StoreCodeTakenError):
        world.stores.register(
            ctx, code="taken", name="Mine", country="LU", currency="EUR", locale="en"
        )

    assert world.platform.head() == head_before + 1, "only the rival's event was written"
    assert world.stores.get(store_id)


def test_listeners_hear_each_outcome(world: World) -> None:
    heard: list[tuple[str, str, int]] = []
    world.platform.listeners.append(lambda cmd, outcome, n, _pos: heard.append((cmd, outcome, n)))

    store_id = world.new_store()
    with pytest.raises(StoreCodeTakenError):
        world.new_store()
    world.stores.suspend(world.ctx, store_id, reason="audit")

    assert heard == [
        ("RegisterStore", "ok", 1),
        ("RegisterStore", "StoreCodeTakenError", 0),
        ("SuspendStore", "ok", 1),
    ]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(platform_module.time, "monotonic", clock)
    return clock


def _counting_reads(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    reads: list[Any] = []
    original = world.app.repository.get

    def get(aggregate_id: Any, **kwargs: Any) -> Any:
        reads.append(aggregate_id)
        return original(aggregate_id, **kwargs)

    monkeypatch.setattr(world.app.repository, "get", get)
    return reads


def test_a_recent_read_serves_again_until_it_is_too_old(
    world: World, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    reads = _counting_reads(world, monkeypatch)
    first = world.platform.find_recent(Store, store_id)
    again = world.platform.find_recent(Store, store_id)
    assert first is not None and again is first and reads == [store_id]
    assert world.platform.find_recent(Product, store_id) is None  # another type: not it
    monotonic.now += platform_module.RECENT_SECONDS
    world.platform.find_recent(Store, store_id)
    assert reads == [store_id, store_id]


def test_what_does_not_exist_is_remembered_too_and_stale_entries_make_room_first(
    world: World, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    missing = uuid4()  # most stores have no locations or settings aggregate of their own
    reads = _counting_reads(world, monkeypatch)
    assert world.platform.find_recent(Store, missing) is None
    assert world.platform.find_recent(Store, missing) is None
    assert reads == [missing]
    assert world.platform.recent_if_known(Store, missing) == (True, None)

    # Full: a flood of unknown ids drops what is stale, not what is fresh.
    monkeypatch.setattr(platform_module, "RECENT_MAX", 3)
    world.platform.find_recent(Store, store_id)
    monotonic.now += platform_module.RECENT_SECONDS / 2
    world.platform.find_recent(Store, uuid4())
    monotonic.now += platform_module.RECENT_SECONDS / 2  # the first two are stale now
    world.platform.find_recent(Store, uuid4())
    assert world.platform.recent_if_known(Store, missing) == (False, None)
    assert len(world.platform._recent) == 2


def test_a_command_of_this_process_is_seen_at_once_and_another_process_s_soon(
    world: World, monotonic: _Clock
) -> None:
    store_id = world.new_store()
    assert (found := world.platform.find_recent(Store, store_id)) is not None
    assert found.name == "Shop"
    world.stores.change_details(world.ctx, store_id, name="Renamed")
    assert (found := world.platform.find_recent(Store, store_id)) is not None
    assert found.name == "Renamed"  # this process's own write: forgotten at once

    elsewhere = StoreService(Platform(world.app, world.clock))  # another process, same log
    elsewhere.change_details(world.ctx, store_id, name="Elsewhere")
    assert (found := world.platform.find_recent(Store, store_id)) is not None
    assert found.name == "Renamed"  # not seen yet: read less than a second ago
    monotonic.now += platform_module.RECENT_SECONDS
    assert (found := world.platform.find_recent(Store, store_id)) is not None
    assert found.name == "Elsewhere"


# -- reads of what this process saved (``find(..., saved=True)``) -------------------------------


class _Stock:
    """A stock item and the commands on it, run through one platform (one process)."""

    def __init__(self, platform: Platform, item_id: Any) -> None:
        self.platform, self.item_id = platform, item_id

    def run(self, change: Any) -> Any:
        def decide(at: Any) -> Decision:
            item = self.platform.find(StockItem, self.item_id, saved=True)
            assert item is not None
            change(item, at)
            return Decision(primary=item)

        return self.platform.execute(CommandContext(actor="admin:test"), "stock", decide)

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


def test_a_command_reads_what_this_process_saved_without_asking_the_log(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock.receive(5)
    reads = _counting_reads(world, monkeypatch)
    stock.reserve(2)
    stock.reserve(1)
    assert reads == []
    item = world.platform.find(StockItem, stock.item_id)
    assert item is not None and (item.on_hand, item.available(world.clock.now())) == (5, 2)
    # Outside a command, ``saved`` reads the log as ``find`` does.
    assert world.platform.find(StockItem, stock.item_id, saved=True) is not None
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
    elsewhere = _Stock(Platform(world.app, world.clock), stock.item_id)  # another process
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
    elsewhere = _Stock(Platform(world.app, world.clock), stock.item_id)
    elsewhere.receive(10)
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
    _Stock(Platform(world.app, world.clock), first.item_id).receive(3)  # another process

    def draw_one(at: Any) -> Decision:
        for item_id in (first.item_id, second.item_id):
            item = world.platform.find(StockItem, item_id, saved=True)
            assert item is not None
            if item.available(at) > 0:
                item.reserve(
                    reservation_id=uuid4(), quantity=1, order_id=None, expires_at=None, at=at
                )
                return Decision(primary=item)
        raise InsufficientStockError("none left")

    world.platform.execute(CommandContext(actor="admin:test"), "draw", draw_one)
    now = world.clock.now()
    drawn_first = world.platform.find(StockItem, first.item_id)
    drawn_second = world.platform.find(StockItem, second.item_id)
    assert drawn_first is not None and drawn_second is not None
    # From the first item, which the fresh read shows restocked, not from the second one.
    assert (drawn_first.available(now), drawn_second.available(now)) == (2, 5)


def test_only_the_types_commands_read_with_saved_are_kept(world: World, stock: _Stock) -> None:
    stock.receive(1)
    store_id = world.new_store("other")
    world.stores.change_details(world.ctx, store_id, name="Renamed")
    assert [type(a) for a in world.platform._saved.values()] == [StockItem]


def test_a_copy_that_went_stale_is_read_from_the_log_for_a_while(
    world: World, stock: _Stock, monkeypatch: pytest.MonkeyPatch, monotonic: _Clock
) -> None:
    stock.receive(5)
    _Stock(Platform(world.app, world.clock), stock.item_id).reserve(1)  # another process
    stock.reserve(1)  # the kept copy was stale: conflict, then fresh reads
    reads = _counting_reads(world, monkeypatch)
    stock.reserve(1)
    assert reads == [stock.item_id]  # contended: from the log, though a copy is kept
    monotonic.now += platform_module.CONTENDED_SECONDS
    stock.reserve(1)
    assert reads == [stock.item_id]  # quiet again: the kept copy
