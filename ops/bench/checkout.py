"""Benchmark: checkout throughput over HTTP with 3-line carts, against raw appends.

    .venv/bin/python -m ops.bench.checkout                 # PostgreSQL, a few minutes
    .venv/bin/python -m ops.bench.checkout --per-round 100 --rounds 2 --no-write
    .venv/bin/python -m ops.bench.checkout --profile       # also: where a checkout's time goes
    .venv/bin/python -m ops.bench.checkout --tax           # the VAT engine against ZeroTax

HTTP: ``POST /api/v1/shop/{code}/checkout`` on a real uvicorn process, with the projector
(``orion projections run``, so that checkout can answer with the order's number) and an RQ
worker (``orion worker``, the confirmation e-mails) in processes of their own and Redis between
them, as production runs on PostgreSQL. ``clients`` threads, each with its own
keep-alive connection and its own guest carts of 3 lines (3 SKUs drawn from ``SKUS``, stock
plenty: this measures the write path, not a fight for the last units, which
``tests/integration/api/test_no_overselling.py`` covers). Latency is measured at the client,
from the request to the answer with its order number, and split by the server's
``Server-Timing`` header into placing the order and waiting for the read model to number it.

Two latency figures: at full load (each client sends its next checkout when the last one
answers: by Little's law the latency is then clients / throughput, so a p95 under 50 ms at 20
such clients would take over 400 orders/s, more than the raw append itself), and paced (the
same 20 clients sending on a schedule, together at half the measured peak): the latency a
shopper sees on a busy but not saturated server. The target is judged on the paced figure.

Baseline: what one checkout appends, saved with ``app.save`` on an ``OrionApplication`` in this
process, from the same number of threads, with the same command metadata: 6 aggregates with one
event each (the order with 3 lines and a sealed contact of the same size, the idempotency
record, the cart and 3 stock items; new ones, so the baseline reads nothing). Checkout also
reads (the store, cart, stock items, rates, settings, locations, the idempotency key), seals
the contact, and waits for the read model to number the order: that is the overhead measured.

Rounds alternate raw and HTTP so that both see the same noise; the figure is the median of the
per-round ratios. The paced phase starts once the projector, the reactions and the worker have
caught up with the rounds (their backlog is not its load). The client's own cyclic collector is
off while it times (``client_collector_paused``: its full collections took 140-250 ms, charged
to the servers), and the paced phase reports how late the client sent (a client whose last
answer came after its next turn sends late). Targets: at least 30% of the raw throughput and
p95 under 50 ms at 20 clients (paced).
The figures go into ``ops/bench/RESULTS.md`` between the ``checkout`` markers.

``--tax``: the same checkouts, from two API servers that differ only in the tax policy checkout
is given (the composition root's ``ORION_TAX_POLICY``): the VAT engine with the store's tax
settings (a Luxembourg store with its VAT number, prices with VAT; ``TAX_COUNTRIES``: most
orders at home, some to consumers in other member states, whose distance-sales figure the
engine reads from the tax read model) and ``ZeroTax`` (no VAT at all). Rounds alternate the
two, each after the projector and the worker caught up with the last; the figure is the median
of the rounds' ``engine / zero`` throughput ratios. Target: at least 90%. Prints only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
import shlex
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import redis

from adapters.queue import QUEUE_NAME
from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from application.platform import OrionApplication
from domain.cart.aggregates import Cart
from domain.inventory.aggregates import StockItem
from domain.orders.aggregates import Order
from domain.shared.idempotency import IdempotencyRecord
from interfaces.bootstrap import Orion, bootstrap, event_store_env
from ops.bench import data
from ops.bench.common import (
    Latencies,
    api_server,
    client_collector_paused,
    log,
    projector_process,
    reset_database,
    reset_redis,
    run_threads,
    section_markers,
    settings_for,
    split,
    utcnow,
    worker_process,
    write_section,
)

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/orion_bench_checkout"
REDIS_URL = "redis://127.0.0.1:6379/13"  # the benchmark's own database: emptied at the start
START, END = section_markers("checkout")
TARGET_RATIO = 0.30
TARGET_P95_MS = 50.0
PACED_SHARE = 0.5  # the paced phase sends at this share of the measured peak throughput
SKUS = 200
LINES = 3
STOCK = 1_000_000
AGGREGATES_PER_CHECKOUT = 6  # order, idempotency record, cart, 3 stock items: 1 event each
CODE = "benchck"
PREP_THREADS = 4  # carts are made before the measures, with few connections
SHOPPER = CommandContext(actor="anonymous:-")
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "12 Rue des Tilleuls",
    "city": "Luxembourg",
    "postal_code": "L-1234",
    "country": "LU",
}


def prepare(orion: Orion) -> dict[str, Any]:
    """The shop: a product of ``SKUS`` variants, published, stocked, and a flat rate."""
    store_id = data.register_store(orion, CODE)
    rng = random.Random(11)
    skus = [f"CK-{i:04d}" for i in range(SKUS)]
    prices = {sku: rng.randrange(500, 20_000) for sku in skus}
    for start in range(0, SKUS, 50):  # a product holds at most so many variants
        chunk = skus[start : start + 50]
        product = orion.catalog.create_product(
            data.CTX,
            store_id,
            title=f"Bench product {start // 50}",
            variants=[
                {
                    "sku": sku,
                    "price": {"amount": prices[sku], "currency": "EUR"},
                    "attributes": {"size": str(i)},
                }
                for i, sku in enumerate(chunk)
            ],
        )
        orion.catalog.publish(data.CTX, store_id, product.id)
    for sku in skus:
        orion.inventory.receive(data.CTX, store_id, sku=sku, quantity=STOCK)
    _, rate_id = orion.shipping.set_rate(
        data.CTX, store_id, spec={"name": "Standard", "kind": "flat", "amount": 490}
    )
    return {"store_id": store_id, "skus": skus, "prices": prices, "rate_id": rate_id}


def make_carts(orion: Orion, shop: dict[str, Any], n: int, seed: int, clients: int) -> list[str]:
    """``n`` guest carts of ``LINES`` distinct SKUs each; their tokens."""
    rng = random.Random(seed)
    picks = [rng.sample(shop["skus"], LINES) for _ in range(n)]
    tokens: list[str] = [""] * n
    shares = split(n, clients)
    offsets = [sum(shares[:i]) for i in range(clients)]

    def worker(i: int) -> None:
        for j in range(offsets[i], offsets[i] + shares[i]):
            cart_id: UUID | None = None
            for sku in picks[j]:
                cart_id = orion.carts.add(
                    SHOPPER, shop["store_id"], CartRef(cart_id=cart_id), sku=sku, quantity=1
                ).id
            assert cart_id is not None
            tokens[j] = orion.carts.token_for(cart_id)

    run_threads(clients, worker)
    return tokens


def body(shop: dict[str, Any]) -> dict[str, Any]:
    return {
        "shipping_rate_id": str(shop["rate_id"]),
        "payment_method": "manual",
        "email": "shopper@bench.example",
        "shipping_address": ADDRESS,
    }


@dataclass
class Answers:
    """What the checkouts answered: latency at the client, and the server's own split of it
    (``Server-Timing``: placing the order, then waiting for the read model to number it)."""

    latencies: Latencies = field(default_factory=Latencies)
    place: Latencies = field(default_factory=Latencies)
    number: Latencies = field(default_factory=Latencies)
    # Paced: how late each request left the client (its thread woke after the scheduled
    # moment): the client's own share of the latency, on the same 2 cores as the server.
    late: Latencies = field(default_factory=Latencies)
    unnumbered: int = 0

    def take(self, seconds: float, response: httpx.Response) -> None:
        self.latencies.add(seconds)
        for name, ms in SERVER_TIMING.findall(response.headers.get("Server-Timing", "")):
            {"place": self.place, "number": self.number}[name].add(float(ms) / 1000)
        self.unnumbered += response.json()["order_number"] is None

    def merge(self, other: Answers) -> None:
        for mine, theirs in (
            (self.latencies, other.latencies),
            (self.place, other.place),
            (self.number, other.number),
            (self.late, other.late),
        ):
            mine.samples.extend(theirs.samples)
        self.unnumbered += other.unnumbered


SERVER_TIMING = re.compile(r"(place|number);dur=([\d.]+)")


def http_checkouts(
    base: str,
    shop: dict[str, Any],
    tokens: list[str],
    clients: int,
    answers: Answers,
    tag: str,
    pace: float | None = None,
    countries: tuple[str, ...] = ("LU",),
) -> float:
    """Seconds to check every cart out over HTTP from ``clients`` keep-alive connections.

    Without ``pace``, each client sends its next checkout as soon as the last one answered
    (the most the server can do). With ``pace`` (orders/s, all clients together), each client
    sends on a schedule, and latency counts from the scheduled moment: a server that falls
    behind is charged for the queue it builds."""
    shares = split(len(tokens), clients)
    offsets = [sum(shares[:i]) for i in range(clients)]
    path = f"/api/v1/shop/{CODE}/checkout"
    # The j-th checkout ships to countries[j % len(countries)].
    payloads = [
        {**body(shop), "shipping_address": {**ADDRESS, "country": country}} for country in countries
    ]
    lock = threading.Lock()
    http = [httpx.Client(base_url=base, timeout=60) for _ in range(clients)]
    for client in http:  # open the keep-alive connections before the clock starts
        client.get("/healthz").raise_for_status()
    period = clients / pace if pace else 0.0
    started_at = time.perf_counter() + 0.05

    def worker(i: int) -> None:
        mine = Answers()
        for k, j in enumerate(range(offsets[i], offsets[i] + shares[i])):
            headers = {"X-Cart-Token": tokens[j], "Idempotency-Key": f"{tag}-{j}"}
            if pace:
                due = started_at + (k + i / clients) * period
                time.sleep(max(0.0, due - time.perf_counter()))
                mine.late.add(max(0.0, time.perf_counter() - due))
            else:
                due = time.perf_counter()
            payload = payloads[j % len(payloads)]
            response = http[i].post(path, json=payload, headers=headers)
            if response.status_code != 201:
                raise RuntimeError(f"checkout answered {response.status_code}: {response.text}")
            mine.take(time.perf_counter() - due, response)
        with lock:
            answers.merge(mine)

    try:
        return run_threads(clients, worker)
    finally:
        for client in http:
            client.close()


def raw_appends(url: str, shop: dict[str, Any], n: int, clients: int) -> float:
    """Seconds to append what ``n`` checkouts append, with ``app.save``, from ``clients``
    threads: 6 new aggregates of one event each per save, the order as big as checkout's.

    The application is opened for the phase and closed after it: PostgreSQL's connections are
    shared with the server and the projector (and, on a shared machine, with others)."""
    app = OrionApplication(env=event_store_env(url))
    store_id: UUID = shop["store_id"]
    metadata = data.meta(store_id)
    sealed = shop["sealed"]
    lines = [
        {
            "sku": sku,
            "product_id": uuid4(),
            "title": "Bench product",
            "quantity": 1,
            "unit_price": shop["prices"][sku],
            "line_total": shop["prices"][sku],
            "attributes": {"size": "1"},
            "allocations": [{"location_id": uuid4(), "quantity": 1}],
        }
        for sku in shop["skus"][:LINES]
    ]
    total = sum(line["line_total"] for line in lines)
    shares = split(n, clients)

    def worker(i: int) -> None:
        for _ in range(shares[i]):
            at = utcnow()
            order_id = uuid4()
            order = Order.place(
                order_id=order_id,
                store_id=store_id,
                customer_id=None,
                cart_id=uuid4(),
                currency="EUR",
                lines=lines,
                totals={
                    "subtotal": total,
                    "shipping": 490,
                    "discount": 0,
                    "tax": 0,
                    "total": total + 490,
                },
                shipping_method={"rate_id": shop["rate_id"], "name": "Standard", "amount": 490},
                payment_method="manual",
                sealed_contact=sealed,
                subject_id=order_id,
                destination_country="LU",
                payment_due_at=at,
                at=at,
            )
            record = IdempotencyRecord.record(
                record_id=uuid4(), fingerprint="f" * 64, result_id=order_id, result_version=1, at=at
            )
            cart = Cart.create(
                cart_id=uuid4(), store_id=store_id, customer_id=None, currency="EUR", at=at
            )
            location = uuid4()
            items = [
                StockItem.create(store_id=store_id, location_id=location, sku=f"R{k}", at=at)
                for k in range(LINES)
            ]
            app.save(order, record, cart, *items, orion_meta=metadata)

    try:
        return run_threads(clients, worker)
    finally:
        app.close()


def caught_up(url: str, redis_url: str, timeout: float = 120) -> None:
    """Wait until every projection and reaction has followed the whole log, and the worker has
    sent every mail they queued: what the rounds left behind is not the next phase's load."""
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    connection = redis.Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    started = StartedJobRegistry(queue=queue)
    retrying = ScheduledJobRegistry(queue=queue)  # failed jobs waiting for their retry
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            # (Read models and reactions alike: one database here, one tracking table.)
            row = conn.execute(
                "SELECT (SELECT max(notification_id) FROM orion_events),"
                " (SELECT min(position) FROM orion_projections)"
            ).fetchone()
            followed = row is not None and (row[0] or 0) <= (row[1] or 0)
            if followed and queue.count == 0 and started.count == 0 and retrying.count == 0:
                return
            time.sleep(0.2)
    raise RuntimeError(f"the projector and the worker did not catch up in {timeout}s")


def profile_checkouts(orion: Orion, shop: dict[str, Any], n: int) -> str:
    """Where one checkout's time goes, in this process (the use case, without HTTP)."""
    tokens = make_carts(orion, shop, n, seed=99, clients=1)
    profiler = cProfile.Profile()
    profiler.enable()
    for j, token in enumerate(tokens):
        orion.checkout.place(
            CommandContext(actor=f"guest:{j}", idempotency_key=f"profile-{j}"),
            shop["store_id"],
            orion.carts.ref_from_token(token),
            CheckoutDetails(
                shipping_rate_id=shop["rate_id"],
                payment_method="manual",
                email="shopper@bench.example",
                shipping_address=ADDRESS,
            ),
        )
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    return out.getvalue()


def run(
    url: str,
    *,
    redis_url: str = REDIS_URL,
    per_round: int,
    rounds: int,
    clients: int,
    profile: bool,
) -> dict[str, Any]:
    log(f"checkout: fresh database; {rounds} rounds of {per_round} checkouts; {clients} clients")
    reset_database(url)
    # Set up, then closed before the measures: its connection pools would stay open.
    orion = bootstrap(settings_for(url, projections_in_process=False))
    try:
        shop = prepare(orion)
        shop["sealed"] = orion.personal.seal(
            uuid4(), {"email": "shopper@bench.example", "shipping_address": ADDRESS}
        )
        log("checkout: shop ready; making carts")
        warm = make_carts(orion, shop, 2 * clients, seed=1, clients=PREP_THREADS)
        round_tokens = [
            make_carts(orion, shop, per_round, seed=100 + r, clients=PREP_THREADS)
            for r in range(rounds)
        ]
        paced_tokens = make_carts(orion, shop, per_round, seed=99, clients=PREP_THREADS)
    finally:
        orion.close()
    raw_runs: list[float] = []
    http_runs: list[float] = []
    pair_ratios: list[float] = []
    busy, paced = Answers(), Answers()
    # As production runs: the projector, the API and a worker for the jobs (the confirmation
    # e-mails), with Redis between them.
    reset_redis(redis_url)
    with (
        projector_process(url, redis_url),
        worker_process(url, redis_url),
        api_server(url, run_projections=False, redis_url=redis_url) as base,
    ):
        # Warm both paths up (imports, pools, prepared statements) before measuring.
        raw_appends(url, shop, 2 * clients, clients)
        http_checkouts(base, shop, warm, clients, Answers(), "warm")
        for r in range(rounds):
            for which in ("raw", "http") if r % 2 == 0 else ("http", "raw"):
                if which == "raw":
                    with client_collector_paused():
                        seconds = raw_appends(url, shop, per_round, clients)
                    raw_runs.append(per_round / seconds)
                else:
                    with client_collector_paused():
                        seconds = http_checkouts(
                            base, shop, round_tokens[r], clients, busy, f"r{r}"
                        )
                    http_runs.append(per_round / seconds)
            pair_ratios.append(http_runs[-1] / raw_runs[-1])
            log(
                f"checkout round {r + 1}: raw {raw_runs[-1]:,.0f} saves/s, "
                f"HTTP {http_runs[-1]:,.0f} orders/s ({pair_ratios[-1]:.0%})"
            )
        # Latency as shoppers see it: the same clients, sending at half the peak rate, once
        # the projector and the worker have caught up with the rounds above (their backlog
        # is not this load).
        caught_up(url, redis_url)
        pace = PACED_SHARE * statistics.median(http_runs)
        with client_collector_paused():
            http_checkouts(base, shop, paced_tokens, clients, paced, "paced", pace=pace)
        log(
            f"checkout paced at {pace:,.0f} orders/s: p95 {paced.latencies.ms(95):.1f} ms "
            f"(sent late by the client: p95 {paced.late.ms(95):.1f} ms, "
            f"p99 {paced.late.ms(99):.1f} ms)"
        )
    raw, http = statistics.median(raw_runs), statistics.median(http_runs)
    figure = statistics.median(pair_ratios)
    result: dict[str, Any] = {
        "clients": clients,
        "per_round": per_round,
        "rounds": rounds,
        "raw_saves_per_s": raw,
        "http_orders_per_s": http,
        "raw_runs": raw_runs,
        "http_runs": http_runs,
        "pair_ratios": pair_ratios,
        "pace": pace,
        "busy": _summary(busy),
        "paced": _summary(paced),
        "ratio": figure,
        "ratio_met": figure >= TARGET_RATIO,
        "p95_met": paced.latencies.ms(95) < TARGET_P95_MS,
    }
    log(
        f"checkout: HTTP {http:,.0f} orders/s vs raw {raw:,.0f} saves/s: {figure:.0%} "
        f"(p95 at full load {busy.latencies.ms(95):.1f} ms, "
        f"paced {paced.latencies.ms(95):.1f} ms)"
    )
    if profile:
        orion = bootstrap(settings_for(url, projections_in_process=False))
        try:
            result["profile"] = profile_checkouts(orion, shop, 200)
        finally:
            orion.close()
    return result


def _summary(answers: Answers) -> dict[str, Any]:
    return {
        "latency": answers.latencies.summary(),
        "place": answers.place.summary(),
        "number": answers.number.summary(),
        "late": answers.late.summary(),
        "unnumbered": answers.unnumbered,
    }


def render(r: dict[str, Any], command: str) -> str:
    busy, paced = r["busy"], r["paced"]

    def verdict(met: bool) -> str:
        return "met" if met else "**missed**"

    def row(label: str, s: dict[str, Any], target: str = "") -> str:
        lat, place, number = s["latency"], s["place"], s["number"]
        return (
            f"| {label} | {lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} / {lat['p99_ms']:.1f} ms "
            f"(placing {place['p50_ms']:.1f} / {place['p95_ms']:.1f}, numbering "
            f"{number['p50_ms']:.1f} / {number['p95_ms']:.1f}) | {target} |"
        )

    return "\n".join(
        [
            START,
            "## Checkout",
            "",
            f"`{command}` on {r['date']} (PostgreSQL; one uvicorn process, the projector "
            "and an RQ worker for the e-mails, each in its own process, with Redis; "
            f"{r['clients']} clients; {r['rounds']} rounds of "
            f"{r['per_round']} checkouts of {LINES}-line guest carts, alternating with the raw "
            "appends).",
            "",
            "| measure | figure | target |",
            "|---|---|---|",
            f"| checkout over HTTP | {r['http_orders_per_s']:,.0f} orders/s | |",
            f"| raw append of the same {AGGREGATES_PER_CHECKOUT} aggregates/events per save "
            f"| {r['raw_saves_per_s']:,.0f} saves/s | |",
            f"| ratio (median of the rounds' ratios) | {r['ratio']:.0%} "
            f"| ≥ {TARGET_RATIO:.0%}: {verdict(r['ratio_met'])} |",
            row(f"latency p50 / p95 / p99, {r['clients']} clients at full load", busy),
            row(
                f"latency p50 / p95 / p99, {r['clients']} clients paced at "
                f"{r['pace']:,.0f} orders/s (half the peak; sent late by the client: p95 "
                f"{paced['late']['p95_ms']:.1f} ms)",
                paced,
                f"p95 < {TARGET_P95_MS:.0f} ms: {verdict(r['p95_met'])}",
            ),
            f"| answers without an order number yet | "
            f"{busy['unnumbered'] + paced['unnumbered']} of "
            f"{busy['latency']['n'] + paced['latency']['n']:.0f} | |",
            "",
            "Rounds (orders/s over HTTP, saves/s raw): "
            + ", ".join(
                f"{h:,.0f}/{w:,.0f}" for h, w in zip(r["http_runs"], r["raw_runs"], strict=True)
            )
            + ".",
            END,
        ]
    )


TAX_TARGET = 0.90
# Where the --tax rounds' orders go: 3 in 5 at home, 2 to consumers in other member states.
TAX_COUNTRIES = ("LU", "LU", "FR", "LU", "BE")
TAX_POLICIES = ("engine", "zero")


def run_tax(
    url: str, *, redis_url: str = REDIS_URL, per_round: int, rounds: int, clients: int
) -> dict[str, Any]:
    """Checkout throughput with the VAT engine against the same checkouts with ZeroTax."""
    log(f"checkout --tax: fresh database; {rounds} rounds of {per_round} checkouts per policy")
    reset_database(url)
    orion = bootstrap(settings_for(url, projections_in_process=False))
    try:
        shop = prepare(orion)
        orion.tax.change_settings(data.CTX, shop["store_id"], {"vat_number": "LU26375245"})
        log("checkout --tax: shop ready; making carts")
        warm = {
            policy: make_carts(orion, shop, 2 * clients, seed=1 + n, clients=PREP_THREADS)
            for n, policy in enumerate(TAX_POLICIES)
        }
        tokens = {
            (policy, r): make_carts(
                orion, shop, per_round, seed=100 + 2 * r + n, clients=PREP_THREADS
            )
            for r in range(rounds)
            for n, policy in enumerate(TAX_POLICIES)
        }
    finally:
        orion.close()
    runs: dict[str, list[float]] = {policy: [] for policy in TAX_POLICIES}
    answers = {policy: Answers() for policy in TAX_POLICIES}
    ratios: list[float] = []
    reset_redis(redis_url)
    with (
        projector_process(url, redis_url),
        worker_process(url, redis_url),
        api_server(url, run_projections=False, redis_url=redis_url) as engine,
        api_server(
            url, run_projections=False, redis_url=redis_url, env={"ORION_TAX_POLICY": "zero"}
        ) as zero,
    ):
        bases = {"engine": engine, "zero": zero}
        for policy in TAX_POLICIES:
            http_checkouts(
                bases[policy],
                shop,
                warm[policy],
                clients,
                Answers(),
                f"warm-{policy}",
                countries=TAX_COUNTRIES,
            )
        for r in range(rounds):
            for policy in TAX_POLICIES if r % 2 == 0 else TAX_POLICIES[::-1]:
                caught_up(url, redis_url)  # each round starts with nothing left behind
                with client_collector_paused():
                    seconds = http_checkouts(
                        bases[policy],
                        shop,
                        tokens[(policy, r)],
                        clients,
                        answers[policy],
                        f"{policy}-{r}",
                        countries=TAX_COUNTRIES,
                    )
                runs[policy].append(per_round / seconds)
            ratios.append(runs["engine"][-1] / runs["zero"][-1])
            log(
                f"checkout --tax round {r + 1}: engine {runs['engine'][-1]:,.0f} orders/s, "
                f"zero {runs['zero'][-1]:,.0f} orders/s ({ratios[-1]:.0%})"
            )
    figure = statistics.median(ratios)
    return {
        "clients": clients,
        "per_round": per_round,
        "rounds": rounds,
        "runs": runs,
        "ratios": ratios,
        "engine_orders_per_s": statistics.median(runs["engine"]),
        "zero_orders_per_s": statistics.median(runs["zero"]),
        "ratio": figure,
        "ratio_met": figure >= TAX_TARGET,
        "latency": {policy: _summary(answers[policy]) for policy in TAX_POLICIES},
    }


def render_tax(r: dict[str, Any], command: str) -> str:
    def lat(policy: str) -> str:
        s = r["latency"][policy]["latency"]
        return f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} ms"

    verdict = "met" if r["ratio_met"] else "**missed**"
    return "\n".join(
        [
            "## Checkout with the VAT engine",
            "",
            f"`{command}` on {r['date']} (PostgreSQL; two uvicorn processes that differ only "
            "in checkout's tax policy, the projector and an RQ worker; "
            f"{r['clients']} clients; {r['rounds']} rounds of {r['per_round']} checkouts per "
            f"policy, alternating; orders to {', '.join(TAX_COUNTRIES)} in turn).",
            "",
            "| measure | figure | target |",
            "|---|---|---|",
            f"| checkout with the VAT engine | {r['engine_orders_per_s']:,.0f} orders/s "
            f"(p50 / p95 {lat('engine')}) | |",
            f"| checkout with ZeroTax | {r['zero_orders_per_s']:,.0f} orders/s "
            f"(p50 / p95 {lat('zero')}) | |",
            f"| engine / zero (median of the rounds' ratios) | {r['ratio']:.0%} "
            f"| ≥ {TAX_TARGET:.0%}: {verdict} |",
            "",
            "Rounds (engine/zero orders/s): "
            + ", ".join(
                f"{e:,.0f}/{z:,.0f}"
                for e, z in zip(r["runs"]["engine"], r["runs"]["zero"], strict=True)
            )
            + ".",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ops.bench.checkout")
    p.add_argument("--database-url", default=DATABASE_URL)
    p.add_argument("--per-round", type=int, default=300)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--profile", action="store_true", help="also profile the use case in-process")
    p.add_argument("--no-write", action="store_true")
    p.add_argument(
        "--tax", action="store_true", help="the VAT engine against ZeroTax (prints only)"
    )
    args = p.parse_args(argv)
    command = ".venv/bin/python -m ops.bench.checkout" + (
        " " + shlex.join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    if args.tax:
        taxed = run_tax(
            args.database_url, per_round=args.per_round, rounds=args.rounds, clients=args.clients
        )
        taxed["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        print(render_tax(taxed, command))
        return 0
    results = run(
        args.database_url,
        per_round=args.per_round,
        rounds=args.rounds,
        clients=args.clients,
        profile=args.profile,
    )
    results["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    markdown = render(results, command)
    print(markdown)
    if "profile" in results:
        print(results["profile"])
    if not args.no_write:
        write_section("checkout", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
