"""Fixtures: real SQLite files and a real PostgreSQL database per test worker.

Integration tests take the ``orion`` fixture, which is parametrised over both backends. When
PostgreSQL is unreachable the PostgreSQL half is skipped on a developer's machine, and fails
when ``ORION_REQUIRE_SERVICES=1`` (CI sets it): a missing service must never pass silently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from pydantic import SecretStr

from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings

ADMIN_TOKEN = "test-admin-token-" + secrets.token_hex(8)
SECRET_KEY = "test-secret-key-" + secrets.token_hex(16)
PG_ADMIN_URL = os.environ.get(
    "ORION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("ORION_REQUIRE_SERVICES", "") in ("1", "true", "yes")

pytest_plugins = ["tests.builders"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


def _service_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (ORION_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One database per test process, created once; each test resets its schema."""
    name = f"orion_test_{_worker()}_{os.getpid()}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(drop)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        _service_missing("PostgreSQL", error)
    yield _pg_url(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(drop)


def reset_pg(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/orion.db"
    url: str = request.getfixturevalue("pg_database")
    reset_pg(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        redis_url=None,
        secret_key=SecretStr(SECRET_KEY),
        cookie_secure=True,
        mail_outbox=str(tmp_path / "outbox"),
    )


@pytest.fixture
def orion(settings: Settings) -> Iterator[Orion]:
    instance = bootstrap(settings)
    yield instance
    instance.close()


@pytest.fixture
def client(orion: Orion) -> Iterator[TestClient]:
    app = create_app(orion, run_projections=True)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, Any]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
