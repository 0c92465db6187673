"""Database connection pools: their sizes, from settings, and what running out of them is.

A process has a few pools, each sized by ``ORION_DB_POOL_SIZE`` (kept open) and
``ORION_DB_MAX_OVERFLOW`` (opened when busy, closed after): the event store's, the read
models' queries, the personal-data vault's and, in a process that follows the log, the
projection writer's and the reactions'. The README states the total per process.

Running out (no free connection within ``ORION_DB_POOL_TIMEOUT_SECONDS``, PostgreSQL refusing
a new connection, or out of reach) is overload, not a bug: ``out_of_connections`` names it and
the API answers 503 with Retry-After.
"""

from __future__ import annotations

from typing import Any, Protocol

import psycopg
import psycopg_pool
import redis.exceptions
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as EventStoreOperationalError

RETRY_AFTER_SECONDS = 2
# The event store library retries a recorder call that failed to get a connection this many
# times, this many seconds apart (``eventsourcing.postgres``: ``@retry``).
LIBRARY_ATTEMPTS = 10
LIBRARY_RETRY_WAIT = 0.2

POOL_TIMEOUT = "pool_timeout"  # every connection of one of this process's pools was in use
SERVER_FULL = "server_full"  # PostgreSQL refused a new connection (max_connections, a limit)
UNREACHABLE = "unreachable"  # PostgreSQL could not be reached, or dropped the connection
# The event store's table lock (every write takes it) was not had within its lock timeout:
# more writers than the database serialises, overload like the others.
LOCK_TIMEOUT = "lock_timeout"
QUEUE_UNREACHABLE = "queue_unreachable"  # Redis, which holds the job queue, is out of reach
# too_many_connections; cannot_connect_now (starting up, shutting down); admin and crash
# shutdowns: the connection is gone or was never had.
_SERVER_FULL_STATES = {"53300"}
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03"}
_LOCK_TIMEOUT_STATES = {"55P03"}  # lock_not_available

# What the API hands to ``out_of_connections`` (each may also be some other failure).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.OperationalError,
    EventStoreOperationalError,
    psycopg.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


class PoolSettings(Protocol):
    db_pool_size: int
    db_max_overflow: int
    db_pool_timeout_seconds: float


def engine_options(settings: PoolSettings) -> dict[str, Any]:
    """``make_engine``'s pool arguments."""
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }


def event_store_pool_env(settings: PoolSettings) -> dict[str, str]:
    """The event store library's pool: it keeps POOL_SIZE open and opens up to MAX_OVERFLOW
    more."""
    return {
        "POSTGRES_POOL_SIZE": str(settings.db_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.db_max_overflow),
    }


def bound_event_store_wait(recorder: object, settings: PoolSettings) -> None:
    """The library waits its connect timeout (whole seconds) for a free connection, and retries
    ``LIBRARY_ATTEMPTS`` times: each attempt here waits a share of the pool timeout, so that a
    request waits about ``db_pool_timeout_seconds`` in all before its 503."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if isinstance(pool, psycopg_pool.ConnectionPool):
        share = settings.db_pool_timeout_seconds / LIBRARY_ATTEMPTS - LIBRARY_RETRY_WAIT
        pool.timeout = max(0.05, share)


def out_of_connections(error: BaseException) -> str | None:
    """Why no database connection could be had, if that is what ``error`` (or what it wraps)
    says: ``POOL_TIMEOUT``, ``SERVER_FULL`` or ``UNREACHABLE``; None for any other failure."""
    cause: BaseException | None = error
    for _ in range(10):  # how deep the libraries wrap one another
        if cause is None:
            return None
        if isinstance(
            cause,
            sqlalchemy.exc.TimeoutError | psycopg_pool.PoolTimeout | psycopg_pool.TooManyRequests,
        ):
            return POOL_TIMEOUT
        if isinstance(cause, psycopg.OperationalError):
            return _server_side(cause)
        if isinstance(cause, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
            return QUEUE_UNREACHABLE
        wrapped = cause.orig if isinstance(cause, sqlalchemy.exc.DBAPIError) else None
        cause = wrapped or cause.__cause__ or cause.__context__
    return None


def _server_side(error: psycopg.OperationalError) -> str | None:
    state, text = error.sqlstate, str(error)
    # A refused connection reaches libpq before any result: its state is often missing.
    if state in _SERVER_FULL_STATES or "too many clients" in text or "too many connections" in text:
        return SERVER_FULL
    if state in _LOCK_TIMEOUT_STATES:
        return LOCK_TIMEOUT
    if state is None or state.startswith("08") or state in _UNREACHABLE_STATES:
        return UNREACHABLE
    return None
