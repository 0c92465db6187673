"""Inventory jobs: checkout holds that expired are released in the log, found through the
inventory read model, by a job the scheduler queues every minute: in this process without
Redis, and through RQ on a real Redis."""

from __future__ import annotations

from uuid import UUID

import redis
from rq import Queue

from adapters.queue import InlineJobQueue, RQJobQueue
from adapters.scheduler import EXPIRED_HOLDS, Schedule, Scheduler
from application.cart.app import CartRef
from application.inventory.jobs import RELEASE_EXPIRED_HOLDS, SWEEP_ACTOR
from domain.inventory.aggregates import StockItem
from domain.inventory.values import checkout_hold_id
from domain.shared.events import event_metadata
from interfaces.bootstrap import Orion
from projections.inventory import queries
from tests.integration.api.test_checkout import ADMIN, SHOPPER, Shop, open_shop
from tests.integration.jobs.conftest import MovableClock, rq_worker
from tests.integration.jobs.test_order_jobs import place

HOLD_MINUTES = 15
MINUTE = 60.0


def expired_hold_then_sold_out(orion: Orion, clock: MovableClock) -> tuple[Shop, UUID]:
    """Issue 11: a shopper holds 4 of 10 and goes; the hold expires; another shopper buys all
    10. Returns the shop and the held cart's id."""
    shop = open_shop(orion)
    sku = shop.skus[0]
    orion.commerce.change_settings(ADMIN, shop.id, {"checkout_hold_minutes": HOLD_MINUTES})
    cart_id = orion.carts.add(SHOPPER, shop.id, CartRef(), sku=sku, quantity=4).id
    orion.checkout.start(SHOPPER, shop.id, CartRef(cart_id=cart_id))
    clock.advance(minutes=HOLD_MINUTES + 1)
    place(orion, shop, {sku: 10})
    orion.projections.run_until_caught_up(timeout=30)
    return shop, cart_id


def stock_item(orion: Orion, shop: Shop) -> StockItem:
    return orion.inventory.items(shop.id, shop.skus[0])[0]


def releases(orion: Orion, item: StockItem) -> list[tuple[UUID, int, str, str]]:
    return [
        (e.reservation_id, e.quantity, e.reason, event_metadata(e)["actor"])
        for e in orion.app.events.get(item.id)
        if isinstance(e, StockItem.ReservationReleased)
    ]


def assert_released(orion: Orion, shop: Shop, cart_id: UUID) -> None:
    item = stock_item(orion, shop)
    assert releases(orion, item) == [(checkout_hold_id(cart_id), 4, "expired", SWEEP_ACTOR)]
    assert [r["quantity"] for r in item.reservations.values()] == [10]  # the order's only
    orion.projections.run_until_caught_up(timeout=30)
    ledger, _ = queries.ledger(orion.read, shop.id, shop.skus[0])
    assert (ledger[0]["kind"], ledger[0]["reason"], ledger[0]["reserved_after"]) == (
        "released",
        "expired",
        10,
    )
    found = queries.list_expired_holds(orion.read, orion.platform.clock.now())
    assert not [f for f in found if f[0] == shop.id]


def test_the_scheduler_releases_expired_holds_in_process(
    clocked: tuple[Orion, MovableClock],
) -> None:
    orion, clock = clocked
    shop, cart_id = expired_hold_then_sold_out(orion, clock)
    item = stock_item(orion, shop)
    assert releases(orion, item) == []  # nothing has recorded the release yet
    # The levels count the expired hold for nothing already (they read reserved 14).
    levels, _ = queries.list_levels(orion.read, shop.id, now=clock.now(), sku=shop.skus[0])
    assert [(r["on_hand"], r["reserved"], r["available"]) for r in levels] == [(10, 10, 0)]
    found = queries.list_expired_holds(orion.read, clock.now())
    assert (shop.id, item.location_id, shop.skus[0]) in found

    queue = orion.jobs
    assert isinstance(queue, InlineJobQueue)  # the embedded default: jobs in this process
    wall = [1_000_000.0 * MINUTE + 5]
    scheduler = Scheduler(queue, wall_clock=lambda: wall[0])
    assert scheduler.tick() == []  # the first run waits for the next minute
    wall[0] += MINUTE
    assert f"scheduled-{EXPIRED_HOLDS.name}-1000001" in scheduler.tick()
    assert queue.drain(timeout=30)
    assert_released(orion, shop, cart_id)

    # Another run (another process's, or a read model still lagging) writes nothing more.
    head = orion.platform.head()
    assert orion.job_table[RELEASE_EXPIRED_HOLDS]() == 0
    assert orion.platform.head() == head


def test_the_release_runs_as_an_rq_job_on_redis(
    clocked: tuple[Orion, MovableClock], redis_url: str, redis_ns: str
) -> None:
    orion, clock = clocked
    shop, cart_id = expired_hold_then_sold_out(orion, clock)
    # The production path: the scheduler queues on Redis, ``orion worker`` runs the job (here
    # a worker in this process, with the job table that bootstrap built).
    queue = RQJobQueue(redis_url, name=redis_ns)
    schedule = Schedule(f"{redis_ns}-{EXPIRED_HOLDS.name}", EXPIRED_HOLDS.func, MINUTE)
    wall = [2_000_000.0 * MINUTE + 5]
    schedulers = [Scheduler(queue, [schedule], wall_clock=lambda: wall[0]) for _ in range(2)]
    assert [s.tick() for s in schedulers] == [[], []]
    wall[0] += MINUTE
    assert [s.tick() for s in schedulers] == [[f"scheduled-{schedule.name}-2000001"]] * 2

    connection = redis.Redis.from_url(redis_url)
    rq_queue = Queue(redis_ns, connection=connection)
    assert rq_queue.count == 1  # two schedulers, one job for the slot
    rq_worker(redis_url, redis_ns, orion.job_table).work(burst=True)
    finished = rq_queue.finished_job_registry.get_job_ids()
    assert len(finished) == 1
    job = rq_queue.fetch_job(finished[0])
    assert job is not None and job.return_value() == 1
    assert_released(orion, shop, cart_id)
