"""No overselling: 100 checkouts over HTTP, from several processes at once, compete for the last
10 units of a SKU. Exactly 10 orders are placed, the 90 others get a clear 409 naming the SKU,
the stock ends with 0 available and 10 reserved, its ledger adds up, and nothing answers 5xx.

A real uvicorn server process (as production runs it) on PostgreSQL, and on SQLite with the
same load (SQLite serialises the writers; it is slower, not less correct). Each shopper has a
guest cart with one unit, prepared before the race. Also: one checkout retried concurrently
with the same Idempotency-Key, from several threads, places one order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from queue import Empty
from typing import Any
from uuid import UUID

import httpx
import pytest
from pydantic import SecretStr

from application.cart.app import CartRef
from application.context import CommandContext
from domain.cart.aggregates import Cart
from domain.inventory.aggregates import StockItem
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from projections.orders.queries import get_order_number
from tests.conftest import ADMIN_TOKEN, SECRET_KEY, reset_pg
from tests.integration.api.test_checkout import guest_body, open_shop, placed_orders
from tests.integration.jobs.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
UNITS = 10
PROCESSES = 4
THREADS = 25  # per process: 100 shoppers in all
SHOPPER = CommandContext(actor="anonymous:-")


# -- a real server ----------------------------------------------------------------------------


@contextlib.contextmanager
def api_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``python -m ops.bench.server`` in a process of its own, on the test's database, with
    the projections in it (checkout answers with the order number). Stopped by its pid."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORION_", "POSTGRES_", "PERSISTENCE_"))
    }
    env.update(
        ORION_DATABASE_URL=database_url,
        ORION_ADMIN_TOKEN=ADMIN_TOKEN,
        ORION_SECRET_KEY=SECRET_KEY,
        ORION_MAIL_OUTBOX=str(tmp_path / "outbox"),
        ORION_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_ROOT),
    )
    log_path = tmp_path / "server.log"
    argv = [sys.executable, "-m", "ops.bench.server", "--port", str(port), "--run-projections"]
    with log_path.open("w") as log:
        server = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the API server exited:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        # A 5xx is always a bug; the API logs each one as "unhandled error": there is none.
        logged = log_path.read_text()
        assert "unhandled error" not in logged, logged[-5000:]


# -- the shoppers: processes of threads ---------------------------------------------------------


def shoppers(
    base: str,
    path: str,
    body: dict[str, Any],
    requests: list[dict[str, str]],
    ready: Any,
    go: MpEvent,
    results: Any,
) -> None:
    """One process: a thread per request, each with its own connection, all released together."""
    clients = [httpx.Client(base_url=base, timeout=180) for _ in requests]
    for client in clients:  # connected before the race starts
        client.get("/healthz").raise_for_status()
    answers: list[tuple[int, Any]] = [(0, None)] * len(requests)
    start = threading.Barrier(len(requests) + 1)

    def shop(i: int) -> None:
        start.wait()
        try:
            response = clients[i].post(path, json=body, headers=requests[i])
            try:
                payload = response.json()
            except ValueError:
                payload = response.text
            answers[i] = (response.status_code, payload)
        except httpx.HTTPError as error:
            answers[i] = (-1, repr(error))

    threads = [threading.Thread(target=shop, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    ready.put(os.getpid())
    go.wait(120)
    start.wait()
    for t in threads:
        t.join()
    for client in clients:
        client.close()
    results.put(answers)


def race(
    base: str, path: str, body: dict[str, Any], requests: list[dict[str, str]], processes: int
) -> list[tuple[int, Any]]:
    """Every request at once, from ``processes`` processes; the (status, body) answers."""
    mp = multiprocessing.get_context("spawn")
    ready, results, go = mp.Queue(), mp.Queue(), mp.Event()
    share = -(-len(requests) // processes)
    chunks = [requests[i : i + share] for i in range(0, len(requests), share)]
    workers = [
        mp.Process(target=shoppers, args=(base, path, body, chunk, ready, go, results))
        for chunk in chunks
    ]
    for w in workers:
        w.start()
    try:
        for _ in workers:
            ready.get(timeout=180)
        go.set()
        answers: list[tuple[int, Any]] = []
        for _ in workers:
            answers += results.get(timeout=600)
        return answers
    except Empty:
        raise RuntimeError("a shopper process did not report") from None
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.terminate()


# -- the checks -------------------------------------------------------------------------------


def ledger(orion: Orion, item_id: UUID) -> tuple[int, int, list[UUID]]:
    """On hand and reserved recomputed from the stock item's events, and who reserved."""
    on_hand = reserved = 0
    reservations: list[UUID] = []
    for event in orion.app.events.get(item_id):
        if isinstance(event, StockItem.Received | StockItem.Returned):
            on_hand += event.quantity
        elif isinstance(event, StockItem.Adjusted):
            on_hand += event.delta
        elif isinstance(event, StockItem.Reserved):
            reserved += event.quantity
            reservations.append(event.reservation_id)
        elif isinstance(event, StockItem.ReservationReleased):
            reserved -= event.quantity
        elif isinstance(event, StockItem.ReservationCommitted):
            reserved -= event.quantity
            on_hand -= event.quantity
    return on_hand, reserved, reservations


def wait_for_orders_read_model(orion: Orion) -> None:
    deadline = time.monotonic() + 60
    while not orion.read.progress(["orders"], orion.platform.head())[0]:
        assert time.monotonic() < deadline, "the orders read model did not catch up"
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgres"])
def race_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/orion.db"
    else:
        url = request.getfixturevalue("pg_database")
        reset_pg(url)
    return Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        redis_url=None,
        secret_key=SecretStr(SECRET_KEY),
        mail_outbox=str(tmp_path / "outbox"),
        projections_in_process=False,
    )


@pytest.fixture
def orion_here(race_settings: Settings) -> Iterator[Orion]:
    """This process's view of the server's database: to set up and to check, never to race."""
    instance = bootstrap(race_settings)
    yield instance
    instance.close()


def test_100_concurrent_checkouts_for_10_units_make_10_orders(
    orion_here: Orion, race_settings: Settings, tmp_path: Path
) -> None:
    orion = orion_here
    shop = open_shop(orion, stock=UNITS)
    sku = shop.skus[0]
    # One guest cart per shopper, each with one unit: made while there is stock to add.
    carts = [
        orion.carts.add(SHOPPER, shop.id, CartRef(), sku=sku, quantity=1).id
        for _ in range(PROCESSES * THREADS)
    ]
    requests = [
        {"X-Cart-Token": orion.carts.token_for(cart_id), "Idempotency-Key": f"race-{i}"}
        for i, cart_id in enumerate(carts)
    ]
    with api_server(race_settings.database_url, tmp_path) as base:
        answers = race(base, shop.checkout, guest_body(shop), requests, PROCESSES)
        wait_for_orders_read_model(orion)

    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: UNITS, 409: PROCESSES * THREADS - UNITS}, statuses
    for status, problem in answers:
        if status == 409:
            assert problem["type"].endswith("/insufficient_stock"), problem
            assert problem["lines"] == [{"sku": sku, "requested": 1, "available": 0}], problem
            assert sku in problem["detail"]
    orders = {UUID(body["order_id"]) for status, body in answers if status == 201}
    assert len(orders) == UNITS
    assert set(placed_orders(orion)) == orders

    # The stock: all of it reserved, for exactly those orders; the ledger adds up.
    now = orion.platform.clock.now()
    (item,) = orion.inventory.items(shop.id, sku)
    assert (item.on_hand, item.reserved(now), item.available(now)) == (UNITS, UNITS, 0)
    on_hand, reserved, reservations = ledger(orion, item.id)
    assert (on_hand, reserved) == (item.on_hand, item.reserved(now))
    assert sorted(reservations) == sorted(orders)
    for order_id in orders:
        order = orion.orders.get(shop.id, order_id)
        assert [line["allocations"] for line in order.lines] == [
            [{"location_id": item.location_id, "quantity": 1}]
        ]
    # The winners' carts were checked out; the others still hold their unit.
    emptied = [c for c in carts if not orion.platform.find(Cart, c).lines]  # type: ignore[union-attr]
    assert len(emptied) == UNITS
    # Numbers: gap-free, 1 to 10, in the order the log placed them.
    numbers = sorted(str(get_order_number(orion.read, shop.id, o)) for o in orders)
    assert numbers == [f"{shop.code.upper()}-{n:06d}" for n in range(1, UNITS + 1)]
    assert {b["order_number"] for s, b in answers if s == 201} <= {*numbers, None}


def test_one_checkout_retried_concurrently_with_one_key_places_one_order(
    orion_here: Orion, race_settings: Settings, tmp_path: Path
) -> None:
    orion = orion_here
    shop = open_shop(orion, stock=UNITS)
    cart_id = orion.carts.add(SHOPPER, shop.id, CartRef(), sku=shop.skus[0], quantity=2).id
    headers = {"X-Cart-Token": orion.carts.token_for(cart_id), "Idempotency-Key": "once"}
    with api_server(race_settings.database_url, tmp_path) as base:
        answers = race(base, shop.checkout, guest_body(shop), [headers] * 12, processes=2)
        # And once more, after the fact.
        again = httpx.post(f"{base}{shop.checkout}", json=guest_body(shop), headers=headers)

    assert [status for status, _ in answers] == [201] * 12, answers
    order_ids = {body["order_id"] for _, body in answers}
    assert len(order_ids) == 1
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["order_id"] in order_ids
    assert [str(o) for o in placed_orders(orion)] == list(order_ids)
    assert orion.inventory.available(shop.id, shop.skus[0], orion.platform.clock.now()) == 8
