"""Benchmark 1: ``POST /api/v1/stores/{id}/products`` through HTTP, against raw appends.

HTTP: a real uvicorn process (projections not in it: on PostgreSQL the projector is a process of
its own), ``clients`` threads each with its own keep-alive ``httpx.Client``.

Baseline: the same aggregates (``Product.create`` + ``SkuClaim.claim_new``) saved with
``app.save(product, claim)`` on an ``OrionApplication`` in this process, with the same command
metadata, from the same number of threads: the same two events per transaction, without HTTP,
FastAPI, authentication, validation, or the use case's reads (store, SKU claim).

Rounds alternate raw and HTTP so that both see the same noise; the figure is the median.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from typing import Any
from uuid import UUID, uuid4

import httpx

from domain.catalog.aggregates import Product, SkuClaim
from interfaces.bootstrap import Orion
from ops.bench import data
from ops.bench.common import (
    Latencies,
    Vocabulary,
    admin_headers,
    api_server,
    log,
    open_orion,
    product_text,
    reset_database,
    run_threads,
    split,
    utcnow,
    variant,
)

TARGET_RATIO = 0.40
EVENTS_PER_SAVE = 2  # the product and its one SKU claim


def bodies(n: int, tag: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vocab = Vocabulary(size=5000, seed=seed)
    out = []
    for i in range(n):
        title, description = product_text(vocab, rng)
        out.append(
            {
                "title": title,
                "description": description,
                "tax_category": "standard",
                "variants": [variant(f"{tag}-{i:07d}", rng)],
            }
        )
    return out


def raw_appends(orion: Orion, store_id: UUID, work: list[dict[str, Any]], clients: int) -> float:
    """Seconds to save every body as product + claim with ``app.save``, from ``clients`` threads."""
    shares = split(len(work), clients)
    offsets = [sum(shares[:i]) for i in range(clients)]
    metadata = data.meta(store_id)

    def worker(i: int) -> None:
        for body in work[offsets[i] : offsets[i] + shares[i]]:
            at = utcnow()
            product = Product.create(
                store_id=store_id, currency="EUR", at=at, product_id=uuid4(), **body
            )
            claim = SkuClaim.claim_new(
                store_id=store_id, sku=product.skus[0], product_id=product.id, at=at
            )
            orion.app.save(product, claim, orion_meta=metadata)

    return run_threads(clients, worker)


def http_posts(
    base: str, store_id: UUID, work: list[dict[str, Any]], clients: int, latencies: Latencies
) -> float:
    shares = split(len(work), clients)
    offsets = [sum(shares[:i]) for i in range(clients)]
    path = f"/api/v1/stores/{store_id}/products"
    lock = threading.Lock()
    http = [
        httpx.Client(base_url=base, headers=admin_headers(), timeout=30) for _ in range(clients)
    ]
    for client in http:  # open the keep-alive connections before the clock starts
        client.get("/healthz").raise_for_status()

    def worker(i: int) -> None:
        mine: list[float] = []
        for body in work[offsets[i] : offsets[i] + shares[i]]:
            started = time.perf_counter()
            response = http[i].post(path, json=body)
            mine.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"POST answered {response.status_code}: {response.text}")
        with lock:
            latencies.samples.extend(mine)

    try:
        return run_threads(clients, worker)
    finally:
        for client in http:
            client.close()


def run(url: str, *, writes: int, clients: int, rounds: int = 6) -> dict[str, Any]:
    log(f"writes: fresh database; {writes:,} products by HTTP, {writes:,} raw; {clients} clients")
    reset_database(url)
    orion = open_orion(url)
    try:
        store_id = data.register_store(orion, "writes")
        per_round = max(clients, writes // rounds)
        raw_runs: list[float] = []
        http_runs: list[float] = []
        pair_ratios: list[float] = []
        latencies = Latencies()
        with api_server(url, run_projections=False) as base:
            # Warm both paths up (imports, pools, prepared statements) before measuring.
            raw_appends(orion, store_id, bodies(50, "warm-raw", 1), clients)
            http_posts(base, store_id, bodies(50, "warm-http", 2), clients, Latencies())
            for r in range(rounds):
                raw_work = bodies(per_round, f"raw{r}", 10 + r)
                http_work = bodies(per_round, f"http{r}", 20 + r)
                for which in ("raw", "http") if r % 2 == 0 else ("http", "raw"):
                    if which == "raw":
                        seconds = raw_appends(orion, store_id, raw_work, clients)
                        raw_runs.append(per_round / seconds)
                    else:
                        seconds = http_posts(base, store_id, http_work, clients, latencies)
                        http_runs.append(per_round / seconds)
                pair_ratios.append(http_runs[-1] / raw_runs[-1])
                log(
                    f"writes round {r + 1}: raw {raw_runs[-1]:,.0f} saves/s, "
                    f"HTTP {http_runs[-1]:,.0f} requests/s ({pair_ratios[-1]:.0%})"
                )
        raw, http = statistics.median(raw_runs), statistics.median(http_runs)
        # Each round's HTTP and raw runs are adjacent in time: the median of their ratios is
        # steadier on a noisy machine than the ratio of the medians.
        figure = statistics.median(pair_ratios)
        result = {
            "clients": clients,
            "per_round": per_round,
            "rounds": rounds,
            "events_per_save": EVENTS_PER_SAVE,
            "raw_saves_per_s": raw,
            "raw_events_per_s": raw * EVENTS_PER_SAVE,
            "http_requests_per_s": http,
            "http_events_per_s": http * EVENTS_PER_SAVE,
            "raw_runs": raw_runs,
            "http_runs": http_runs,
            "pair_ratios": pair_ratios,
            "http_latency": latencies.summary(),
            "ratio": figure,
            "target_met": figure >= TARGET_RATIO,
        }
        log(
            f"writes: HTTP {http:,.0f} req/s vs raw {raw:,.0f} saves/s: {figure:.0%} "
            f"(p50 {latencies.ms(50):.1f} ms, p95 {latencies.ms(95):.1f} ms per request)"
        )
        return result
    finally:
        orion.close()
