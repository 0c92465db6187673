"""Database connections: the pools are sized by the settings, and running out of connections
(every pooled connection in use, or PostgreSQL refusing a new one) answers 503 with
Retry-After, as problem+json, counted in /metrics, never 500. Both backends (the event store's
own pool and the server's limit on PostgreSQL)."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import psycopg
import psycopg_pool
import pytest
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import Connection, Engine, text

from adapters.pools import out_of_connections
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.conftest import PG_ADMIN_URL
from tests.integration.api.test_checkout import guest_body, guest_cart, key, open_shop

SIZE, OVERFLOW = 1, 1
TINY: dict[str, Any] = {
    "db_pool_size": SIZE,
    "db_max_overflow": OVERFLOW,
    "db_pool_timeout_seconds": 0.5,
}


@pytest.fixture
def tiny(settings: Settings) -> Iterator[tuple[Orion, TestClient]]:
    """An Orion whose every pool holds one connection and may open one more."""
    orion = bootstrap(settings.model_copy(update=TINY))
    try:
        with TestClient(create_app(orion, run_projections=False)) as client:
            yield orion, client
    finally:
        orion.close()


def engines(orion: Orion) -> dict[str, Engine]:
    return {
        "read models": orion.read.engine,
        "projection writer": orion.projections.engine,
        "vault": orion.personal.engine,
        "reactions": orion.reactions.engine,
    }


@contextmanager
def all_connections_of(engine: Engine) -> Iterator[list[Connection]]:
    """Every connection the engine's pool may open, checked out and held."""
    with ExitStack() as stack:
        held = [stack.enter_context(engine.connect()) for _ in range(SIZE + OVERFLOW)]
        yield held


@contextmanager
def all_event_store_connections(orion: Orion) -> Iterator[None]:
    pool = orion.app.recorder.datastore.pool  # type: ignore[attr-defined]
    assert isinstance(pool, psycopg_pool.ConnectionPool)
    held = [pool.getconn(timeout=10) for _ in range(pool.max_size)]
    try:
        yield
    finally:
        for conn in held:
            pool.putconn(conn)


def shop_products(orion: Orion) -> str:
    """A shop's product search (a query of the read models), once they show the shop."""
    shop = open_shop(orion)
    orion.projections.run_until_caught_up(timeout=60)
    return f"/api/v1/shop/{shop.code}/products"


def assert_unavailable(response: Any, reason: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["reason"] == reason


def counted(client: TestClient, reason: str) -> float:
    """The ``orion_database_unavailable_total`` figure of ``reason``, as /metrics exports it."""
    exported = client.get("/metrics").text
    name = f'orion_database_unavailable_total{{reason="{reason}"}}'
    lines = [line for line in exported.splitlines() if line.startswith(name)]
    return float(lines[0].split()[-1]) if lines else 0.0


def test_the_settings_size_every_pool(tiny: tuple[Orion, TestClient]) -> None:
    orion, _ = tiny
    for name, engine in engines(orion).items():
        assert engine.pool.size() == SIZE, name  # type: ignore[attr-defined]
        with all_connections_of(engine), pytest.raises(sqlalchemy.exc.TimeoutError):
            engine.connect()  # one more than size and overflow: none within the timeout
    if orion.settings.is_sqlite:
        return
    pool = orion.app.recorder.datastore.pool  # type: ignore[attr-defined]
    assert (pool.min_size, pool.max_size) == (SIZE, SIZE + OVERFLOW)


def test_out_of_pooled_connections_answers_503_with_retry_after_and_counts(
    tiny: tuple[Orion, TestClient],
) -> None:
    orion, client = tiny
    products = shop_products(orion)
    assert client.get(products).status_code == 200
    with all_connections_of(orion.read.engine):
        assert_unavailable(client.get(products), "pool_timeout")
    assert client.get(products).status_code == 200  # back once a connection is free
    assert counted(client, "pool_timeout") == 1


def test_a_checkout_without_an_event_store_connection_answers_503_and_writes_nothing(
    tiny: tuple[Orion, TestClient],
) -> None:
    orion, client = tiny
    if orion.settings.is_sqlite:
        pytest.skip("the event store's connection pool is PostgreSQL's")
    shop = open_shop(orion)
    body, idempotency = guest_body(shop), key()
    headers = {
        "X-Cart-Token": guest_cart(orion, shop, {shop.skus[0]: 1}),
        "Idempotency-Key": idempotency,
    }
    head = orion.platform.head()
    with all_event_store_connections(orion):
        assert_unavailable(client.post(shop.checkout, json=body, headers=headers), "pool_timeout")
    assert orion.platform.head() == head
    assert counted(client, "pool_timeout") == 1
    # The shopper's retry, with the same key, places the order once.
    placed = client.post(shop.checkout, json=body, headers=headers)
    assert placed.status_code == 201, placed.text


@pytest.fixture
def limited_role(settings: Settings) -> Iterator[tuple[str, str]]:
    """A role of its own on the test database (a superuser would be exempt from a connection
    limit): its name, and the database URL that connects as it."""
    if settings.is_sqlite:
        pytest.skip("a server's connection limit is PostgreSQL's")
    role = f"orion_limited_{secrets.token_hex(4)}"
    base, _, database = settings.database_url.rpartition("/")
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
    url = base.replace("postgres@", f"{role}@", 1) + f"/{database}"
    try:
        yield role, url
    finally:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_server_refusing_connections_answers_503_with_retry_after_and_counts(
    settings: Settings, limited_role: tuple[str, str]
) -> None:
    role, url = limited_role
    orion = bootstrap(settings.model_copy(update={**TINY, "database_url": url}))
    try:
        with TestClient(create_app(orion, run_projections=False)) as client:
            products = shop_products(orion)
            assert client.get(products).status_code == 200
            with orion.read.engine.connect() as held:
                held.execute(text("SELECT 1"))
                # PostgreSQL takes no new connection of this role: the request's pool must
                # open one (the only kept one is held) and is refused ("too many connections").
                with psycopg.connect(settings.database_url, autocommit=True) as admin:
                    admin.execute(
                        sql.SQL("ALTER ROLE {} CONNECTION LIMIT 0").format(sql.Identifier(role))
                    )
                try:
                    assert_unavailable(client.get(products), "server_full")
                finally:
                    with psycopg.connect(settings.database_url, autocommit=True) as admin:
                        admin.execute(
                            sql.SQL("ALTER ROLE {} CONNECTION LIMIT -1").format(
                                sql.Identifier(role)
                            )
                        )
            assert client.get(products).status_code == 200
            assert counted(client, "server_full") == 1
    finally:
        orion.close()


def test_other_database_errors_are_still_bugs(tiny: tuple[Orion, TestClient]) -> None:
    """Only a missing connection is overload: a failing statement stays a 500."""
    orion, _ = tiny
    with pytest.raises(sqlalchemy.exc.DBAPIError) as failed, orion.read.engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert out_of_connections(failed.value) is None


def test_a_write_that_waits_too_long_for_the_event_store_lock_is_overload(
    settings: Settings,
) -> None:
    """Every write takes the event store's table lock; one not had within the lock timeout
    (too many writers) is a 503 like a missing connection, not a bug."""
    if settings.is_sqlite:
        pytest.skip("the event store's table lock is PostgreSQL's")
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS locked_here (id int)")
    with psycopg.connect(settings.database_url) as holder:
        holder.execute("LOCK TABLE locked_here IN EXCLUSIVE MODE")
        with (
            psycopg.connect(settings.database_url) as waiter,
            pytest.raises(psycopg.OperationalError) as waited,
        ):
            waiter.execute("SET lock_timeout = '50ms'")
            waiter.execute("LOCK TABLE locked_here IN EXCLUSIVE MODE")
    assert out_of_connections(waited.value) == "lock_timeout"
    # As the event store library hands it on: its own OperationalError, caused by psycopg's.
    try:
        raise EventStoreOperationalError(str(waited.value)) from waited.value
    except EventStoreOperationalError as wrapped:
        assert out_of_connections(wrapped) == "lock_timeout"


def test_a_job_queue_out_of_reach_answers_503(settings: Settings) -> None:
    """Redis away: a request that queues a job (a password reset) is told to come back."""
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    orion = bootstrap(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}))
    try:
        with TestClient(create_app(orion, run_projections=False)) as client:
            answer = client.post(
                "/api/v1/auth/password-reset/request", json={"email": "nobody@example.com"}
            )
            assert_unavailable(answer, "queue_unreachable")
    finally:
        orion.close()
