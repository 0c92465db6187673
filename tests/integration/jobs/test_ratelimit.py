"""Rate limiters: Redis (shared by API processes) and memory (the embedded default)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from interfaces.api.ratelimit import (
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    rate_limiter_from_settings,
)
from interfaces.settings import Settings
from tests.builders import Api
from tests.integration.api.test_staff_auth import AUTH, PASSWORD, make_user, spellings


@pytest.fixture(params=["redis", "memory"])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    redis_url: str = request.getfixturevalue("redis_url")
    redis_ns: str = request.getfixturevalue("redis_ns")
    yield RedisRateLimiter(redis_url, prefix=f"{redis_ns}:rl:")


def test_the_limit_is_reached_then_refused(limiter: RateLimiter) -> None:
    decisions = [
        limiter.hit("login:alice@example.com", limit=3, window_seconds=60) for _ in range(5)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert all(d.retry_after == 0 for d in decisions[:3])
    assert all(55 <= d.retry_after <= 60 for d in decisions[3:])
    # Another key has its own window.
    assert limiter.hit("login:bob@example.com", limit=3, window_seconds=60).allowed


def test_reset_forgets_the_hits(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.hit("k", limit=2, window_seconds=60)
    assert not limiter.hit("k", limit=2, window_seconds=60).allowed
    limiter.reset("k")
    assert limiter.hit("k", limit=2, window_seconds=60).allowed


def test_the_window_expires(limiter: RateLimiter) -> None:
    assert limiter.hit("w", limit=1, window_seconds=1).allowed
    refused = limiter.hit("w", limit=1, window_seconds=1)
    assert not refused.allowed and refused.retry_after == 1
    time.sleep(1.3)
    assert limiter.hit("w", limit=1, window_seconds=1).allowed


def test_concurrent_hits_are_counted_exactly(limiter: RateLimiter) -> None:
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(25):
            decision = limiter.hit("busy", limit=40, window_seconds=60)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 40
    assert len(allowed) == 200


def test_redis_keys_are_hashed_and_expire(redis_url: str, redis_ns: str) -> None:
    limiter = RedisRateLimiter(redis_url, prefix=f"{redis_ns}:rl:")
    limiter.hit("login:alice@example.com", limit=5, window_seconds=30)
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{redis_ns}:rl:*"))
    assert len(keys) == 1
    assert b"alice" not in keys[0]  # no personal data in Redis
    assert 0 < client.ttl(keys[0]) <= 30


def test_memory_limiter_prunes_closed_windows() -> None:
    limiter = MemoryRateLimiter(prune_every=10)
    for n in range(9):
        limiter.hit(f"old-{n}", limit=1, window_seconds=1)
    assert len(limiter) == 9
    time.sleep(1.1)
    limiter.hit("new", limit=1, window_seconds=1)  # the 10th hit prunes
    assert len(limiter) == 1


def test_rate_limiter_from_settings(redis_url: str) -> None:
    assert isinstance(rate_limiter_from_settings(Settings(redis_url=None)), MemoryRateLimiter)
    assert isinstance(rate_limiter_from_settings(Settings(redis_url=redis_url)), RedisRateLimiter)


def test_the_shared_limiter_counts_every_spelling_of_an_address_as_one_account(
    api: Api, client: TestClient, redis_url: str, redis_ns: str
) -> None:
    """With Redis (several API processes), as in memory: one budget per account however the
    address is written, kept under one key."""
    app_state = client.app.state  # type: ignore[attr-defined]
    app_state.rate_limiter = RedisRateLimiter(redis_url, prefix=f"{redis_ns}:rl:")
    _, email = make_user(api)
    forms = spellings(email)
    for n in range(10):
        body = {"email": forms[n % len(forms)], "password": "wrong password"}
        assert client.post(f"{AUTH}/login", json=body).status_code == 401
    for form in forms:
        body = {"email": form, "password": PASSWORD}
        assert client.post(f"{AUTH}/login", json=body).status_code == 429
    keys = list(redis.Redis.from_url(redis_url).scan_iter(match=f"{redis_ns}:rl:*"))
    assert len(keys) == 2  # this client's IP and the one account
