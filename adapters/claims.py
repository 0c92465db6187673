"""Claims on keys that expire ("this mail is being, or was, sent"): the mail jobs' dedupe
(``workers.mail.Claims``)."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis


class MemoryClaims:
    """Claims in this process only: enough when the jobs run in this process too."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._expiry) > 10_000:  # keep the set bounded in a long-lived process
                self._expiry = {k: t for k, t in self._expiry.items() if t > now}
            if self._expiry.get(key, 0.0) > now:
                return False
            self._expiry[key] = now + ttl_seconds
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._expiry.pop(key, None)


class RedisClaims:
    """Claims shared by every worker: ``SET key NX EX ttl``."""

    def __init__(self, redis_url: str, prefix: str = "orion:claim:") -> None:
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5)
        self.prefix = prefix

    def claim(self, key: str, ttl_seconds: int) -> bool:
        return bool(self.redis.set(self.prefix + key, "1", nx=True, ex=ttl_seconds))

    def release(self, key: str) -> None:
        self.redis.delete(self.prefix + key)


class _ClaimSettings(Protocol):
    redis_url: str | None


def claims_from_settings(settings: _ClaimSettings) -> MemoryClaims | RedisClaims:
    return RedisClaims(settings.redis_url) if settings.redis_url else MemoryClaims()
