"""What every benchmark shares: the database, timing and statistics, data, and the API server.

The benchmarks run on PostgreSQL (the production backend). Each one starts from a freshly created
database, so a run never depends on what an earlier run left behind.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import httpx
import psycopg
from psycopg import sql

from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/orion_bench"
ADMIN_TOKEN = "bench-admin-" + secrets.token_hex(8)
REPO_ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = REPO_ROOT / "var" / "bench"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the database -------------------------------------------------------------------------------


def reset_database(url: str) -> None:
    """Drop and create the benchmark database (through the server's ``postgres`` database)."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop database {name!r}: use a database of its own")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def settings_for(url: str, **extra: Any) -> Settings:
    return Settings(database_url=url, admin_token=ADMIN_TOKEN, redis_url=None, **extra)


def open_orion(url: str) -> Orion:
    return bootstrap(settings_for(url, projections_in_process=False))


def vacuum_analyze(url: str) -> None:
    """Fresh statistics, as autovacuum would have after a while on a real database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# -- statistics ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Latencies:
    """Latencies in seconds; reported in milliseconds."""

    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    @property
    def n(self) -> int:
        return len(self.samples)

    def ms(self, q: float) -> float:
        return percentile(self.samples, q) * 1000

    def summary(self) -> dict[str, float]:
        return {"n": self.n, "p50_ms": self.ms(50), "p95_ms": self.ms(95), "p99_ms": self.ms(99)}


@contextlib.contextmanager
def client_collector_paused() -> Iterator[None]:
    """The benchmark client's cyclic collector off while it times something.

    The client process holds what setting up a benchmark made (carts, tokens, an application
    and its caches): a full collection there took 140-250 ms, during which no request was sent
    or read, and the servers were charged for the client's pause. Reference counting still
    frees what the timed phase drops; what it leaves in cycles is collected after."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.nan


# -- data ---------------------------------------------------------------------------------------

_ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou"]


class Vocabulary:
    """Made-up words with Zipf-like frequencies: a few very common, most of them rare.

    Word ``rank`` r (0-based) is drawn with probability proportional to 1 / (r + q) ** s
    (Zipf-Mandelbrot; the offset ``q`` keeps the top words from being in every product, as
    "shirt" is common in a clothing shop but not in every title).
    """

    def __init__(self, size: int = 20_000, s: float = 1.0, q: float = 10.0, seed: int = 7) -> None:
        rng = random.Random(seed)
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            syllables = rng.choice((2, 2, 3, 3, 4))
            word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        weights = [1 / (rank + q) ** s for rank in range(size)]
        total = sum(weights)
        self._cumulative: list[float] = []
        running = 0.0
        for w in weights:
            running += w / total
            self._cumulative.append(running)
        self.probability = [w / total for w in weights]

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self._cumulative, k=k)

    def expected_share(self, rank: int, words_per_doc: int) -> float:
        """The share of documents of ``words_per_doc`` words that contain the word of ``rank``."""
        return 1 - (1 - self.probability[rank]) ** words_per_doc


def product_text(vocab: Vocabulary, rng: random.Random) -> tuple[str, str]:
    title = " ".join(vocab.sample(rng, rng.randint(3, 6))).capitalize()
    description = " ".join(vocab.sample(rng, rng.randint(12, 30))).capitalize() + "."
    return title, description


COLOURS = ["red", "blue", "green", "black", "white", "grey", "navy", "olive"]
SIZES = ["xs", "s", "m", "l", "xl"]


def variant(sku: str, rng: random.Random, currency: str = "EUR") -> dict[str, Any]:
    return {
        "sku": sku,
        "price": {"amount": rng.randrange(500, 50_000), "currency": currency},
        "attributes": {"colour": rng.choice(COLOURS), "size": rng.choice(SIZES)},
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _child_env(url: str, redis_url: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORION_", "POSTGRES_", "PERSISTENCE_"))
    }
    env["ORION_DATABASE_URL"] = url
    env["ORION_ADMIN_TOKEN"] = ADMIN_TOKEN
    env["ORION_LOG_LEVEL"] = "WARNING"
    env["ORION_MAIL_OUTBOX"] = str(LOG_DIR / "outbox")
    if redis_url:
        env["ORION_REDIS_URL"] = redis_url
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def reset_redis(redis_url: str) -> None:
    """Empty the benchmark's own Redis database (its queue, claims and throttles)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


class Process:
    """A child process we started; stopped by its own pid, never by name."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def api_server(
    url: str,
    *,
    run_projections: bool,
    extra: Sequence[str] = (),
    redis_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """A real uvicorn server in its own process (``env``: more of its environment, such as
    ``ORION_TAX_POLICY``); yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "ops.bench.server", "--port", str(port), *extra]
    if run_projections:
        argv.append("--run-projections")
    server = Process(f"api-{port}", argv, {**_child_env(url, redis_url), **(env or {})})
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


@contextlib.contextmanager
def projector_process(url: str, redis_url: str | None = None) -> Iterator[Process]:
    """``orion projections run`` in its own process, as production runs it on PostgreSQL."""
    with _orion_process("projector", ["projections", "run"], url, redis_url) as projector:
        yield projector


@contextlib.contextmanager
def worker_process(url: str, redis_url: str) -> Iterator[Process]:
    """``orion worker`` in its own process: the jobs (e-mails) queued on Redis."""
    with _orion_process("worker", ["worker"], url, redis_url) as worker:
        yield worker


@contextlib.contextmanager
def _orion_process(
    name: str, args: list[str], url: str, redis_url: str | None
) -> Iterator[Process]:
    script = Path(sys.executable).with_name("orion")
    argv = (
        [str(script), *args]
        if script.exists()
        else [sys.executable, "-c", "from interfaces.cli import main; main()", *args]
    )
    process = Process(name, argv, _child_env(url, redis_url))
    try:
        time.sleep(0.5)
        if not process.alive():
            raise RuntimeError(f"the {name} exited:\n{process.tail()}")
        yield process
    finally:
        process.stop()


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def run_threads(n: int, target: Callable[[int], None]) -> float:
    """Run ``target(i)`` on ``n`` threads started together; the wall time they took."""
    barrier = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        barrier.wait()
        try:
            target(i)
        except BaseException as error:  # reported below, on the main thread
            errors.append(error)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


RESULTS_MD = Path(__file__).with_name("RESULTS.md")


def write_section(name: str, markdown: str) -> None:
    """Put ``markdown`` (which opens and closes with the section's markers, see
    ``section_markers``) in place of the section ``name`` of RESULTS.md, or at its end."""
    start, end = section_markers(name)
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else ""
    if start in text and end in text:
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        text = before + markdown + after
    else:
        text = text.rstrip() + "\n\n" + markdown + "\n"
    RESULTS_MD.write_text(text)


def section_markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"
