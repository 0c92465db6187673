"""Benchmark 3: storefront search latency with many published products in one store.

Titles and descriptions are drawn from a made-up vocabulary with Zipf frequencies, so a few
words are in a large share of the products and most words in very few. Queries:

- ``common``: one of the 10 most frequent words (each in roughly 5-25% of the products);
- ``rare``: a word of rank 5,000-15,000 (a handful of products);
- ``prefix``: the first 3 letters of a frequent word (``q=bra`` matches every word with that
  prefix: the storefront searches as the shopper types);
- ``two_words``: a frequent word and a middling one (rank 50-500).

Measured one query at a time (latency, not throughput) at the query-function level
(``search_products``; baseline ``SELECT 1`` on the same engine) and through HTTP
(``GET /api/v1/shop/{code}/products?q=``; baseline ``GET /healthz``), baseline and query
interleaved so that both see the same noise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text

from interfaces.bootstrap import Orion
from ops.bench import data
from ops.bench.common import (
    Latencies,
    Vocabulary,
    api_server,
    log,
    open_orion,
    ratio,
    reset_database,
    vacuum_analyze,
)
from projections.catalog.queries import SearchQuery, search_products

TARGET_P95_MS = 20.0
SHOP = "shop"
CATEGORIES = ("common", "rare", "prefix", "two_words")
WORDS_PER_DOC = 21  # a title of 3-6 words and a description of 12-30: 4.5 + 21 on average


def make_queries(vocab: Vocabulary, rng: random.Random, per_category: int = 20) -> dict[str, list]:
    def rank_range(low: int, high: int, k: int) -> list[str]:
        high = min(high, len(vocab.words))
        low = min(low, high - 1)
        return [vocab.words[r] for r in rng.sample(range(low, high), min(k, high - low))]

    common = rank_range(0, 10, 10)
    middling = rank_range(50, 500, per_category)
    return {
        "common": common,
        "rare": rank_range(5_000, 15_000, per_category),
        "prefix": sorted({w[:3] for w in rank_range(0, 40, per_category)}),
        "two_words": [f"{rng.choice(common)} {m}" for m in middling],
    }


def matches(orion: Orion, store_id: UUID, q: str) -> int:
    """How many products a query matches (to show what common and rare mean here)."""
    t = orion.read.tables("storefront_search")["shop_products"]
    terms = " & ".join(f"{w}:*" for w in q.split())
    with orion.read.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    f"SELECT count(*) FROM {t.name} WHERE store_id = :s "
                    "AND document @@ to_tsquery('simple', :q)"
                ),
                {"s": store_id, "q": terms},
            ).scalar_one()
        )


def interleaved(
    samples: int,
    queries: dict[str, list[str]],
    run_query: Callable[[str], None],
    run_baseline: Callable[[], None],
    rng: random.Random,
) -> tuple[dict[str, Latencies], Latencies]:
    per_category = {c: Latencies() for c in queries}
    baseline = Latencies()
    plan = [(c, q) for c, qs in queries.items() for q in qs]
    for _ in range(3):  # warm-up: pools, prepared plans, the OS cache
        for _category, q in plan:
            run_query(q)
    for i in range(samples):
        category, q = plan[i % len(plan)] if i < len(plan) else rng.choice(plan)
        started = time.perf_counter()
        run_baseline()
        middle = time.perf_counter()
        run_query(q)
        ended = time.perf_counter()
        baseline.add(middle - started)
        per_category[category].add(ended - middle)
    return per_category, baseline


def summarise(per_category: dict[str, Latencies], baseline: Latencies) -> dict[str, Any]:
    overall = Latencies([s for lat in per_category.values() for s in lat.samples])
    return {
        "overall": overall.summary(),
        "baseline": baseline.summary(),
        "categories": {c: lat.summary() for c, lat in per_category.items()},
        "ratio_p50": ratio(overall.ms(50), baseline.ms(50)),
        "ratio_p95": ratio(overall.ms(95), baseline.ms(95)),
        "target_met": overall.ms(95) < TARGET_P95_MS,
    }


def load(url: str, products: int) -> dict[str, Any]:
    """A fresh database with ``products`` published products in the shop (and a small second
    shop, so that the store filter has something to filter out)."""
    reset_database(url)
    orion = open_orion(url)
    try:
        vocab = Vocabulary()
        store_id = data.register_store(orion, SHOP)
        other_id = data.register_store(orion, "othershop")
        started = time.perf_counter()
        events = data.published_catalog(orion, store_id, products, vocab, seed=13)
        events += data.published_catalog(orion, other_id, max(1, products // 50), vocab, seed=14)
        write_s = time.perf_counter() - started
        log(f"search: {events:,} events written in {write_s:.1f}s; projecting")
        started = time.perf_counter()
        orion.projections.run_until_caught_up(timeout=1800)
        catchup_s = time.perf_counter() - started
        vacuum_analyze(url)
        log(f"search: all projections caught up in {catchup_s:.1f}s")
        return {
            "store_id": store_id,
            "events": events,
            "write_seconds": write_s,
            "catchup_seconds": catchup_s,
        }
    finally:
        orion.close()


def run(url: str, *, products: int, samples: int) -> dict[str, Any]:
    log(f"search: fresh database with {products:,} published products in one store")
    loaded = load(url, products)
    store_id = loaded["store_id"]
    rng = random.Random(5)
    vocab = Vocabulary()
    queries = make_queries(vocab, rng)
    orion = open_orion(url)
    try:
        hits = {
            category: sorted(matches(orion, store_id, q) for q in qs)
            for category, qs in queries.items()
        }

        def query_fn(q: str) -> None:
            search_products(orion.read, SearchQuery(store_id=store_id, q=q))

        def select_one() -> None:
            with orion.read.engine.connect() as conn:
                conn.execute(text("SELECT 1")).scalar()

        per_category, baseline = interleaved(samples, queries, query_fn, select_one, rng)
        function_level = summarise(per_category, baseline)
        log(
            f"search (function): p50 {function_level['overall']['p50_ms']:.1f} ms, "
            f"p95 {function_level['overall']['p95_ms']:.1f} ms; SELECT 1 p50 "
            f"{function_level['baseline']['p50_ms']:.2f} ms"
        )
    finally:
        orion.close()

    with api_server(url, run_projections=False) as base, httpx.Client(base_url=base) as client:
        path = f"/api/v1/shop/{SHOP}/products"

        def query_http(q: str) -> None:
            response = client.get(path, params={"q": q})
            if response.status_code != 200:
                raise RuntimeError(f"search answered {response.status_code}: {response.text}")

        def healthz() -> None:
            client.get("/healthz").raise_for_status()

        per_category, baseline = interleaved(samples, queries, query_http, healthz, rng)
        http_level = summarise(per_category, baseline)
        log(
            f"search (HTTP): p50 {http_level['overall']['p50_ms']:.1f} ms, "
            f"p95 {http_level['overall']['p95_ms']:.1f} ms; /healthz p50 "
            f"{http_level['baseline']['p50_ms']:.2f} ms"
        )
    return {
        "products": products,
        "samples": samples,
        "queries": queries,
        "matches": {
            c: {"min": h[0], "median": h[len(h) // 2], "max": h[-1]} for c, h in hits.items()
        },
        "load": {k: v for k, v in loaded.items() if k != "store_id"},
        "function": function_level,
        "http": http_level,
    }
