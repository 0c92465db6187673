"""Benchmark: login and authenticated queries, as ratios to an unauthenticated query.

    .venv/bin/python -m ops.bench.login                 # PostgreSQL, ~1 minute
    .venv/bin/python -m ops.bench.login --samples 100 --no-write

One uvicorn process on PostgreSQL (as ``ops.bench.search`` runs it). Measured one request at a
time (latency), each kind interleaved with the baseline so that both see the same noise:

- baseline: ``GET /api/v1/shop/{code}/products?limit=10`` (public, no credentials);
- ``member_query``: ``GET /api/v1/stores/{id}/products?limit=10`` with a member's access token
  (verify the JWT, load the user and the store's team from the event store, check the role);
- ``api_key_query``: the same with a store API key (load the key, compare its hash);
- ``login``: ``POST /api/v1/auth/login`` (argon2id verify, a Session event saved, a JWT signed).

Then password-reset requests for a known address against an unknown one, interleaved: the
answer must not tell them apart by its time (only the known one leads to a write, done by a
job after the answer). Reported as the difference of the medians and their ratio.

Then logins per second with ``--clients`` concurrent clients (argon2 is CPU-bound: the ceiling
is about cores / verify time). The figures go into ``ops/bench/RESULTS.md`` between the
``login`` markers, below the generated part, so full runs of ``ops.bench.run`` keep them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from application.identity.keys import ARGON2
from interfaces.bootstrap import bootstrap
from ops.bench.common import (
    ADMIN_TOKEN,
    LOG_DIR,
    REPO_ROOT,
    Latencies,
    Process,
    admin_headers,
    free_port,
    log,
    ratio,
    reset_database,
    run_threads,
    section_markers,
    settings_for,
    variant,
    write_section,
)

# Its own database: the other benchmarks drop and create theirs.
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/orion_bench_login"
START, END = section_markers("login")
PASSWORD = "bench password 1234"


@contextlib.contextmanager
def login_server(url: str) -> Iterator[str]:
    """``ops.bench.common.api_server`` with the login throttles raised: the benchmark logs in
    hundreds of times from one address, which production rightly refuses."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORION_", "POSTGRES_", "PERSISTENCE_"))
    }
    env.update(
        ORION_DATABASE_URL=url,
        ORION_ADMIN_TOKEN=ADMIN_TOKEN,
        ORION_LOG_LEVEL="WARNING",
        ORION_LOGIN_LIMIT_PER_IP="1000000",
        ORION_LOGIN_LIMIT_PER_ACCOUNT="1000000",
        ORION_RESET_LIMIT_PER_IP="1000000",
        ORION_RESET_LIMIT_PER_ACCOUNT="1000000",
        ORION_MAIL_OUTBOX=str(LOG_DIR / "outbox"),
        PYTHONPATH=str(REPO_ROOT),
    )
    argv = [sys.executable, "-m", "ops.bench.server", "--port", str(port), "--run-projections"]
    server = Process(f"login-api-{port}", argv, env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if not server.alive():
                raise RuntimeError(f"the API server exited:\n{server.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start:\n{server.tail()}")
            time.sleep(0.1)
        yield base
    finally:
        server.stop()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response


def prepare(http: httpx.Client) -> dict[str, Any]:
    """A store with a few products, an owner who logs in, and an API key."""
    admin = admin_headers()
    store = _ok(
        http.post(
            "/api/v1/admin/stores",
            json={
                "code": "bench",
                "name": "Bench",
                "country": "LU",
                "currency": "EUR",
                "locale": "fr_LU",
            },
            headers=admin,
        )
    ).json()
    store_id = store["id"]
    rng = random.Random(7)
    for i in range(20):
        product = _ok(
            http.post(
                f"/api/v1/stores/{store_id}/products",
                json={
                    "title": f"Bench product {i}",
                    "variants": [variant(f"B-{i}", rng)],
                },
                headers=admin,
            )
        ).json()
        _ok(http.post(f"/api/v1/stores/{store_id}/products/{product['id']}/publish", headers=admin))
    _ok(
        http.post(
            "/api/v1/admin/users",
            json={
                "email": "owner@bench.example",
                "name": "Owner",
                "password": PASSWORD,
                "platform_admin": False,
            },
            headers=admin,
        )
    )
    _ok(
        http.post(
            f"/api/v1/stores/{store_id}/team/invitations",
            json={"email": "owner@bench.example", "role": "owner"},
            headers=admin,
        )
    )
    return {"store_id": store_id}


def member_token(http: httpx.Client) -> str:
    answer = _ok(
        http.post("/api/v1/auth/login", json={"email": "owner@bench.example", "password": PASSWORD})
    )
    token: str = answer.json()["access_token"]
    return token


def interleaved(
    samples: int, baseline: Callable[[], Any], measured: Callable[[], Any]
) -> tuple[Latencies, Latencies]:
    base, meas = Latencies(), Latencies()
    for _ in range(samples):
        for fn, into in ((baseline, base), (measured, meas)):
            started = time.perf_counter()
            fn()
            into.add(time.perf_counter() - started)
    return base, meas


def run(url: str, *, samples: int, clients: int, logins: int) -> dict[str, Any]:
    reset_database(url)
    results: dict[str, Any] = {"argon2": ARGON2, "samples": samples, "clients": clients}
    with login_server(url) as base_url:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            store_id = prepare(http)["store_id"]
            join_team(http, url, store_id)
            token = member_token(http)
            key = _ok(
                http.post(
                    f"/api/v1/stores/{store_id}/api-keys",
                    json={"name": "bench", "role": "viewer"},
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()["token"]
            shop = "/api/v1/shop/bench/products?limit=10"
            store = f"/api/v1/stores/{store_id}/products?limit=10"
            as_member = {"Authorization": f"Bearer {token}"}
            as_key = {"Authorization": f"Bearer {key}"}
            for _ in range(20):  # warm up
                _ok(http.get(shop))
                _ok(http.get(store, headers=as_member))

            def public() -> None:
                _ok(http.get(shop))

            kinds: dict[str, Callable[[], Any]] = {
                "member_query": lambda: _ok(http.get(store, headers=as_member)),
                "api_key_query": lambda: _ok(http.get(store, headers=as_key)),
                "login": lambda: member_token(http),
            }
            for name, fn in kinds.items():
                base, meas = interleaved(samples, public, fn)
                results[name] = {
                    "baseline": base.summary(),
                    "measured": meas.summary(),
                    "p50_ratio": ratio(meas.ms(50), base.ms(50)),
                    "p95_ratio": ratio(meas.ms(95), base.ms(95)),
                }
                log(
                    f"{name}: p50 {meas.ms(50):.1f} ms vs {base.ms(50):.1f} ms "
                    f"(x{results[name]['p50_ratio']:.1f}), p95 {meas.ms(95):.1f} ms"
                )
            results["reset_request"] = reset_timing(http, samples)

        # Throughput: logins/s and public queries/s with the same number of clients.
        def throughput(fn: Callable[[httpx.Client], Any], total: int) -> float:
            per_client = [total // clients] * clients
            pools = [httpx.Client(base_url=base_url, timeout=60) for _ in range(clients)]

            def client(i: int) -> None:
                for _ in range(per_client[i]):
                    fn(pools[i])

            try:
                elapsed = run_threads(clients, client)
            finally:
                for pool in pools:
                    pool.close()
            return sum(per_client) / elapsed

        public_rps = throughput(lambda c: _ok(c.get(shop)), logins * 5)
        login_rps = throughput(member_token, logins)
        results["throughput"] = {
            "public_query_per_s": public_rps,
            "login_per_s": login_rps,
            "ratio": ratio(login_rps, public_rps),
        }
        log(f"throughput: {login_rps:.0f} logins/s vs {public_rps:.0f} public queries/s")
    return results


def reset_timing(http: httpx.Client, samples: int) -> dict[str, Any]:
    """Reset requests for the owner's address (known) and for addresses nobody has (unknown),
    interleaved so that both see the same noise."""
    reset = "/api/v1/auth/password-reset/request"
    unknown_emails = iter(f"nobody-{n}@bench.example" for n in range(samples * 2 + 20))

    def known() -> None:
        _ok(http.post(reset, json={"email": "owner@bench.example"}))

    def unknown() -> None:
        _ok(http.post(reset, json={"email": next(unknown_emails)}))

    for _ in range(10):  # warm up
        known()
        unknown()
    base, meas = interleaved(samples, unknown, known)
    timing = {
        "unknown": base.summary(),
        "known": meas.summary(),
        "p50_diff_ms": meas.ms(50) - base.ms(50),
        "p50_ratio": ratio(meas.ms(50), base.ms(50)),
        "p95_ratio": ratio(meas.ms(95), base.ms(95)),
    }
    log(
        f"reset request: known p50 {meas.ms(50):.2f} ms, unknown {base.ms(50):.2f} ms "
        f"(difference {timing['p50_diff_ms']:+.2f} ms, x{timing['p50_ratio']:.3f})"
    )
    return timing


def join_team(http: httpx.Client, url: str, store_id: str) -> None:
    """Accept the owner's invitation with the token the platform would have mailed."""
    orion = bootstrap(settings_for(url, projections_in_process=False))
    try:
        team = orion.teams.team(UUID(store_id))
        assert team is not None
        invitation_id = next(iter(team.invitations))
        token = orion.teams.invitation_token(UUID(store_id), invitation_id)
    finally:
        orion.close()
    _ok(http.post("/api/v1/auth/invitations/accept", json={"token": token, "password": PASSWORD}))


def render(r: dict[str, Any], command: str) -> str:
    def row(name: str, label: str) -> str:
        m = r[name]
        return (
            f"| {label} | {m['measured']['p50_ms']:.1f} | {m['measured']['p95_ms']:.1f} "
            f"| {m['baseline']['p50_ms']:.1f} | {m['baseline']['p95_ms']:.1f} "
            f"| x{m['p50_ratio']:.2f} | x{m['p95_ratio']:.2f} |"
        )

    t = r["throughput"]
    a = r["argon2"]
    reset = r["reset_request"]
    return "\n".join(
        [
            START,
            "## Login and authenticated queries",
            "",
            f"`{command}` on {r['date']} (PostgreSQL, one uvicorn process, "
            f"{r['samples']} interleaved samples each; throughput with {r['clients']} clients).",
            "",
            f"Password hashing: argon2id, memory {a['memory_cost'] // 1024} MiB, "
            f"{a['time_cost']} passes, parallelism {a['parallelism']} (OWASP's recommended "
            "minimum; see `application/identity/keys.py`).",
            "",
            "| request | p50 ms | p95 ms | baseline p50 ms | baseline p95 ms | p50 ratio "
            "| p95 ratio |",
            "|---|---|---|---|---|---|---|",
            row("member_query", "member's token: `GET /stores/{id}/products`"),
            row("api_key_query", "API key: `GET /stores/{id}/products`"),
            row("login", "`POST /auth/login`"),
            "",
            "Baseline: the public `GET /shop/{code}/products?limit=10`, measured interleaved.",
            "",
            f"`POST /auth/password-reset/request`: known address p50 "
            f"{reset['known']['p50_ms']:.2f} ms, p95 {reset['known']['p95_ms']:.2f} ms; unknown "
            f"p50 {reset['unknown']['p50_ms']:.2f} ms, p95 {reset['unknown']['p95_ms']:.2f} ms "
            f"(difference of the medians {reset['p50_diff_ms']:+.2f} ms, ratio "
            f"x{reset['p50_ratio']:.3f}; p95 ratio x{reset['p95_ratio']:.3f}).",
            "",
            f"Throughput: {t['login_per_s']:.0f} logins/s against {t['public_query_per_s']:.0f} "
            f"public queries/s (ratio {t['ratio']:.3f}).",
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ops.bench.login")
    p.add_argument("--database-url", default=DATABASE_URL)
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--logins", type=int, default=200)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    results = run(args.database_url, samples=args.samples, clients=args.clients, logins=args.logins)
    results["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = ".venv/bin/python -m ops.bench.login" + (
        " " + shlex.join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    markdown = render(results, command)
    print(markdown)
    if not args.no_write:
        write_section("login", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
