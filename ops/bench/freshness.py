"""Benchmark 4: read-your-writes through HTTP.

One client, one command at a time: ``POST`` a product, then ``GET`` it with
``min_position=<the position the POST answered>`` and time that GET until it answers (the wait
for the projection plus the query). Baseline: the same GET without ``min_position``, right after.

Two deployments:

- ``in_process``: the projection engine on a thread of the API process
  (``create_app(orion, run_projections=True)``; the embedded default);
- ``separate_process``: the API without projections and ``orion projections run`` as its own
  process (``ORION_DATABASE_URL`` set), woken by PostgreSQL ``NOTIFY``: production on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg

from ops.bench.common import (
    Latencies,
    Vocabulary,
    admin_headers,
    api_server,
    log,
    open_orion,
    product_text,
    projector_process,
    ratio,
    variant,
)
from projections.stores.queries import get_store_by_code

TARGET_P95_MS = 50.0


def projected_after(conn: psycopg.Connection[Any], position: int, started: float) -> float:
    """Poll the catalog's tracking row without sleeping: when did the projector apply it?"""
    while True:
        row = conn.execute(
            "SELECT position FROM orion_projections WHERE name = 'catalog'"
        ).fetchone()
        if row is not None and row[0] >= position:
            return time.perf_counter() - started
        if time.perf_counter() - started > 10:
            raise RuntimeError(f"the catalog projection did not reach {position} in 10 s")


def measure(url: str, base: str, store_id: str, samples: int, tag: str) -> dict[str, Any]:
    rng = random.Random(tag)
    vocab = Vocabulary(size=5000, seed=3)
    waited, baseline, posts, projected = Latencies(), Latencies(), Latencies(), Latencies()
    inconsistent = 0
    path = f"/api/v1/stores/{store_id}/products"
    with (
        httpx.Client(base_url=base, headers=admin_headers(), timeout=30) as client,
        psycopg.connect(url, autocommit=True) as poller,
    ):
        # One command in three is followed by a tight poll of the tracking row instead of the
        # GET: how long the projector itself takes, without the API's wait loop.
        for i in range(-10, samples + samples // 2):  # the first ten warm up
            title, description = product_text(vocab, rng)
            body = {
                "title": title,
                "description": description,
                "variants": [variant(f"RYW-{tag}-{i + 10:06d}", rng)],
            }
            started = time.perf_counter()
            created = client.post(path, json=body)
            posted = time.perf_counter()
            if created.status_code != 201:
                raise RuntimeError(f"POST answered {created.status_code}: {created.text}")
            answer = created.json()
            if i >= 0 and i % 3 == 2:
                projected.add(projected_after(poller, answer["position"], posted))
                continue
            wanted = {"min_position": answer["position"]}
            fresh = client.get(f"{path}/{answer['id']}", params=wanted)
            read = time.perf_counter()
            plain = client.get(f"{path}/{answer['id']}")
            ended = time.perf_counter()
            if fresh.status_code != 200 or plain.status_code != 200:
                raise RuntimeError(f"GET answered {fresh.status_code}/{plain.status_code}")
            if i < 0:
                continue
            if fresh.headers.get("X-Orion-Consistent") != "true":
                inconsistent += 1
            posts.add(posted - started)
            waited.add(read - posted)
            baseline.add(ended - read)
    return {
        "samples": waited.n,
        "read_with_min_position": waited.summary(),
        "projector_applied_after": projected.summary(),
        "baseline_plain_read": baseline.summary(),
        "post": posts.summary(),
        "inconsistent_answers": inconsistent,
        "ratio_p50": ratio(waited.ms(50), baseline.ms(50)),
        "ratio_p95": ratio(waited.ms(95), baseline.ms(95)),
        "target_met": waited.ms(95) < TARGET_P95_MS and inconsistent == 0,
    }


@contextlib.contextmanager
def deployment(url: str, mode: str) -> Iterator[str]:
    if mode == "in_process":
        with api_server(url, run_projections=True) as base:
            yield base
    else:
        with projector_process(url), api_server(url, run_projections=False) as base:
            yield base


def run(url: str, *, samples: int, modes: tuple[str, ...]) -> dict[str, Any]:
    """On the database the search benchmark left (a shop with many products), caught up."""
    orion = open_orion(url)
    try:
        orion.projections.run_until_caught_up(timeout=1800)
        shop = get_store_by_code(orion.read, "shop")
        if shop is None:
            raise RuntimeError("the search benchmark's shop is missing: run it first")
        store_id = str(shop["store_id"])
    finally:
        orion.close()
    results: dict[str, Any] = {}
    for mode in modes:
        log(f"read-your-writes ({mode}): {samples} commands, one at a time")
        with deployment(url, mode) as base:
            results[mode] = measure(url, base, store_id, samples, mode)
        r = results[mode]
        log(
            f"read-your-writes ({mode}): p50 {r['read_with_min_position']['p50_ms']:.1f} ms, "
            f"p95 {r['read_with_min_position']['p95_ms']:.1f} ms vs plain read p50 "
            f"{r['baseline_plain_read']['p50_ms']:.1f} ms; {r['inconsistent_answers']} stale"
        )
    return results
