"""What a job needs at run time, built once per process.

A job's arguments are ids (Redis must hold no secrets and no personal data); the objects that
turn ids into work (the mailer, the mail composers, the dedupe claims) live here. The composition
root builds them and ``install``s them: ``bootstrap`` does it for the API process (whose
in-process queue runs jobs on a thread) and for ``orion worker``. A bare ``rq worker`` process
builds a minimal one from the environment the first time a job asks for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis

from application.mail import MailComposer, Mailer


class Claims(Protocol):
    """Claims on keys that expire: "this mail is being (or was) sent"."""

    def claim(self, key: str, ttl_seconds: int) -> bool:
        """True if this caller now holds ``key``; False if someone already did."""
        ...

    def release(self, key: str) -> None: ...


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


class _RuntimeSettings(Protocol):
    redis_url: str | None
    smtp_url: str | None
    mail_outbox: str
    mail_from: str


def claims_from_settings(settings: _RuntimeSettings) -> Claims:
    return RedisClaims(settings.redis_url) if settings.redis_url else MemoryClaims()


@dataclass
class Runtime:
    mailer: Mailer
    composers: MailComposer = field(default_factory=MailComposer)
    claims: Claims = field(default_factory=MemoryClaims)
    # Whatever else jobs need, by name (the identity service, the PDF renderer, …).
    services: dict[str, Any] = field(default_factory=dict)


def build_runtime(settings: _RuntimeSettings) -> Runtime:
    # Deferred: the adapters belong to the composition root (interfaces), which imports us.
    from adapters.mail import mailer_from_settings

    return Runtime(mailer=mailer_from_settings(settings), claims=claims_from_settings(settings))


_runtime: Runtime | None = None
_lock = threading.Lock()


def get_runtime() -> Runtime:
    """The runtime installed in this process, or one built from the environment."""
    global _runtime
    with _lock:
        if _runtime is None:
            from interfaces.settings import Settings

            _runtime = build_runtime(Settings())
        return _runtime


def install(runtime: Runtime | None) -> Runtime | None:
    """Make ``runtime`` the process's runtime (None forgets it); returns the previous one."""
    global _runtime
    with _lock:
        previous, _runtime = _runtime, runtime
        return previous
