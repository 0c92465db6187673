"""PostgreSQL connections held by each process, idle and busy (the README's figures).

    .venv/bin/python -m ops.bench.connections                 # ~1 minute
    .venv/bin/python -m ops.bench.connections --clients 16 --seconds 30 --no-write

On a database of its own, starts an API process (as the other benchmarks run it, without the
projections) and a projector (``orion projections run``), each named in ``pg_stat_activity``
by its ``application_name`` (libpq's PGAPPNAME), with the pool settings of the environment
(``ORION_DB_POOL_SIZE``, ``ORION_DB_MAX_OVERFLOW``). It counts their connections once idle,
then samples them every 20 ms while ``--clients`` clients drive the API: storefront queries,
product commands, customer logins and checkouts, more clients than the API has threads.
The figures go into ``ops/bench/RESULTS.md`` between the ``connections`` markers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from interfaces.settings import Settings
from ops.bench.common import (
    Process,
    _child_env,
    admin_headers,
    free_port,
    log,
    reset_database,
    section_markers,
    variant,
    write_section,
)

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/orion_bench_connections"
START, END = section_markers("connections")
API, PROJECTOR = "orion-api", "orion-projector"
SHOPPER, PASSWORD = "shopper@conn.example", "a long enough passphrase"


def counts(url: str) -> Counter[str]:
    """This database's connections by application name (this sampler's own left out)."""
    with psycopg.connect(url, autocommit=True, application_name="orion-sampler") as conn:
        rows = conn.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "GROUP BY application_name"
        ).fetchall()
    return Counter({name: n for name, n in rows})


class Sampler:
    """The most connections seen per application name, sampled on one connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.peak: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name="orion-sampler") as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "GROUP BY application_name"
                ).fetchall()
                for name, n in rows:
                    self.peak[name] = max(self.peak[name], n)
                time.sleep(0.02)


@contextlib.contextmanager
def processes(url: str) -> Iterator[str]:
    """The API and the projector, started on ``url``; yields the API's base URL."""
    port = free_port()
    api_env = {**_child_env(url), "PGAPPNAME": API}
    projector_env = {**_child_env(url), "PGAPPNAME": PROJECTOR}
    for env in (api_env, projector_env):  # the operator's pool settings, if any
        env.update({k: v for k, v in os.environ.items() if k.startswith("ORION_DB_")})
    # The clients sign in hundreds of times from one address, which production rightly refuses.
    api_env.update(ORION_LOGIN_LIMIT_PER_IP="1000000", ORION_LOGIN_LIMIT_PER_ACCOUNT="1000000")
    api = Process(
        f"connections-api-{port}",
        [sys.executable, "-m", "ops.bench.server", "--port", str(port)],
        api_env,
    )
    projector: Process | None = None
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if not api.alive():
                raise RuntimeError(f"the API server exited:\n{api.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start:\n{api.tail()}")
            time.sleep(0.1)
        argv = [sys.executable, "-m", "interfaces", "projections", "run"]
        projector = Process(f"connections-projector-{port}", argv, projector_env)
        yield base
    finally:
        if projector is not None:
            projector.stop()
        api.stop()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response


def prepare(http: httpx.Client) -> dict[str, Any]:
    """A shop with products in stock and a shipping rate."""
    admin = admin_headers()
    store = _ok(
        http.post(
            "/api/v1/admin/stores",
            json={"code": "conn", "name": "Conn", "country": "LU", "currency": "EUR"},
            headers=admin,
        )
    ).json()
    store_id, rng, skus = store["id"], random.Random(3), []
    for i in range(5):
        sku = f"C-{i}"
        product = _ok(
            http.post(
                f"/api/v1/stores/{store_id}/products",
                json={"title": f"Product {i}", "variants": [variant(sku, rng)]},
                headers=admin,
            )
        ).json()
        _ok(http.post(f"/api/v1/stores/{store_id}/products/{product['id']}/publish", headers=admin))
        _ok(
            http.post(
                f"/api/v1/stores/{store_id}/inventory/receive",
                json={"sku": sku, "quantity": 100_000},
                headers=admin,
            )
        )
        skus.append(sku)
    rate = _ok(
        http.post(
            f"/api/v1/stores/{store_id}/shipping-rates",
            json={"name": "Standard", "kind": "flat", "amount": 490},
            headers=admin,
        )
    ).json()
    _ok(
        http.post(
            "/api/v1/shop/conn/account/register",
            json={"email": SHOPPER, "password": PASSWORD},
        )
    )
    return {"store_id": store_id, "skus": skus, "rate_id": rate["rate_id"]}


def drive(base: str, shop: dict[str, Any], seconds: float, seed: int) -> Counter[int]:
    """One client: a mix of queries, commands, logins and checkouts until time is up.
    Returns how many answers of each status it got."""
    rng = random.Random(seed)
    admin = admin_headers()
    done = 0
    statuses: Counter[int] = Counter()
    hooks = {"response": [lambda response: statuses.update([response.status_code])]}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=60, event_hooks=hooks) as http:
        while time.monotonic() < deadline:
            step = done % 10
            if step in (0, 3, 6):
                http.get("/api/v1/shop/conn/products?limit=10")
            elif step in (1, 7):
                http.post(
                    f"/api/v1/stores/{shop['store_id']}/products",
                    json={"title": "Busy", "variants": [variant(f"B-{secrets.token_hex(6)}", rng)]},
                    headers=admin,
                )
            elif step == 2:
                http.post(
                    "/api/v1/shop/conn/account/login",
                    json={"email": SHOPPER, "password": PASSWORD},
                )
            elif step in (4, 8):
                http.get(f"/api/v1/stores/{shop['store_id']}/products?limit=10", headers=admin)
            else:
                checkout(http, shop, rng)
            done += 1
    return statuses


def checkout(http: httpx.Client, shop: dict[str, Any], rng: random.Random) -> None:
    cart = http.post(
        "/api/v1/shop/conn/cart/lines", json={"sku": rng.choice(shop["skus"]), "quantity": 1}
    )
    token = cart.json().get("cart_token") if cart.status_code == 201 else None
    if not token:
        return
    http.post(
        "/api/v1/shop/conn/checkout",
        json={
            "shipping_rate_id": shop["rate_id"],
            "payment_method": "manual",
            "email": "shopper@conn.example",
            "shipping_address": {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "line1": "1 Rue",
                "city": "Luxembourg",
                "postal_code": "L-1234",
                "country": "LU",
            },
        },
        headers={"X-Cart-Token": token, "Idempotency-Key": secrets.token_hex(12)},
    )


def run(url: str, *, clients: int, seconds: float) -> dict[str, Any]:
    reset_database(url)
    settings = Settings()  # the pool settings of the environment, as the children read them
    results: dict[str, Any] = {
        "clients": clients,
        "seconds": seconds,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "api_threads": settings.api_threads,
    }
    with processes(url) as base:
        with httpx.Client(base_url=base, timeout=60) as http:
            shop = prepare(http)
        time.sleep(5)  # the projector catches up; everything settles
        idle = counts(url)
        log(f"idle: API {idle[API]}, projector {idle[PROJECTOR]}")
        statuses: Counter[int] = Counter()
        with Sampler(url) as sampler:
            threads = [
                threading.Thread(target=lambda i=i: statuses.update(drive(base, shop, seconds, i)))
                for i in range(clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        busy = sampler.peak
        log(f"busy: API {busy[API]}, projector {busy[PROJECTOR]}; answers {dict(statuses)}")
    results.update(
        idle={API: idle[API], PROJECTOR: idle[PROJECTOR]},
        busy={API: busy[API], PROJECTOR: busy[PROJECTOR]},
        requests=sum(statuses.values()),
        unavailable=statuses[503],
        failed=sum(n for status, n in statuses.items() if status >= 500),
    )
    return results


def render(r: dict[str, Any], command: str) -> str:
    per_pool = r["pool_size"] + r["max_overflow"]
    return "\n".join(
        [
            START,
            "## Database connections per process",
            "",
            f"`{command}` on {r['date']} (PostgreSQL; pools of {r['pool_size']} kept + "
            f"{r['max_overflow']} overflow, at most {per_pool} each; API threads "
            f"{r['api_threads']}; busy: {r['clients']} clients for {r['seconds']:.0f} s, "
            f"{r['requests']} requests, {r['unavailable']} answered 503, "
            f"{r['failed']} 5xx in all).",
            "",
            "| process | idle | busy (most seen) |",
            "|---|---|---|",
            f"| API (`orion serve`, projections elsewhere) | {r['idle'][API]} | {r['busy'][API]} |",
            f"| projector (`orion projections run`) | {r['idle'][PROJECTOR]} "
            f"| {r['busy'][PROJECTOR]} |",
            "",
            "Counted in `pg_stat_activity` by application name.",
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ops.bench.connections")
    p.add_argument("--database-url", default=DATABASE_URL)
    p.add_argument("--clients", type=int, default=12)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    results = run(args.database_url, clients=args.clients, seconds=args.seconds)
    results["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = ".venv/bin/python -m ops.bench.connections" + (
        " " + " ".join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    markdown = render(results, command)
    print(markdown)
    if not args.no_write:
        write_section("connections", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
