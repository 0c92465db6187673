"""Rate limits (login attempts, password-reset requests): fixed windows per key.

A window opens at a key's first hit and lasts ``window_seconds``; up to ``limit`` hits are
allowed in it. Fixed rather than sliding: one counter per key, one round trip, and the worst
case (twice the limit across a window boundary) is acceptable for throttling guesses.

Keys often hold personal data (an e-mail address): they are hashed before they reach Redis.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int  # seconds until the window closes; 0 when allowed


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision: ...

    def reset(self, key: str) -> None:
        """Forget the key's hits (after a successful login)."""
        ...


# INCR and set the expiry in one atomic step: a crash between the two cannot leave a counter
# that never expires. Returns the count and the milliseconds left in the window.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisRateLimiter:
    def __init__(self, redis_url: str, prefix: str = "orion:ratelimit:") -> None:
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self._hit = self.redis.register_script(_HIT)

    def _key(self, key: str) -> str:
        return self.prefix + hashlib.sha256(key.encode()).hexdigest()

    def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        count, ttl_ms = self._hit(keys=[self._key(key)], args=[window_seconds * 1000])
        if int(count) <= limit:
            return RateDecision(True, 0)
        return RateDecision(False, max(1, math.ceil(int(ttl_ms) / 1000)))

    def reset(self, key: str) -> None:
        self.redis.delete(self._key(key))


class MemoryRateLimiter:
    """The same fixed windows in this process (the embedded default); thread-safe."""

    def __init__(self, prune_every: int = 1000) -> None:
        # key -> (hits, window closes at, on the monotonic clock)
        self._windows: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._prune_every = prune_every
        self._since_prune = 0

    def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        now = time.monotonic()
        with self._lock:
            self._since_prune += 1
            if self._since_prune >= self._prune_every:
                self._prune(now)
            count, closes = self._windows.get(key, (0, 0.0))
            if closes <= now:
                count, closes = 0, now + window_seconds
            count += 1
            self._windows[key] = (count, closes)
        if count <= limit:
            return RateDecision(True, 0)
        return RateDecision(False, max(1, math.ceil(closes - now)))

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def __len__(self) -> int:
        return len(self._windows)

    def _prune(self, now: float) -> None:
        self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
        self._since_prune = 0


class _RateLimitSettings(Protocol):
    redis_url: str | None


def rate_limiter_from_settings(settings: _RateLimitSettings) -> RateLimiter:
    # Shared across API processes with Redis; per process in the embedded default.
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return MemoryRateLimiter()
