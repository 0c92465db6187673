"""The composition root: the only place that reads settings and builds infrastructure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg

from application.catalog.app import CatalogService
from application.platform import OrionApplication, Platform
from application.ports import Clock
from application.stores.app import StoreService
from interfaces.settings import Settings
from projections.audit.projector import AuditProjection
from projections.catalog.projector import CatalogProjection, StorefrontSearchProjection
from projections.db import make_engine
from projections.engine import Projection, ProjectionEngine, TableRegistry
from projections.read import ReadModels
from projections.stores.projector import StoresProjection


def all_projections() -> list[Projection]:
    return [
        StoresProjection(),
        CatalogProjection(),
        StorefrontSearchProjection(),
        AuditProjection(),
    ]


def event_store_env(database_url: str) -> dict[str, str]:
    """The ``eventsourcing`` library's environment for the configured database."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    url = urlparse(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "10",
        "POSTGRES_MAX_OVERFLOW": "20",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }


SCHEMA_LOCK_KEY = 0x0_71_0_4E  # an arbitrary, fixed advisory-lock key for schema set-up


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    """A PostgreSQL advisory lock around set-up; SQLite serialises writers by itself."""
    if database_url.startswith("sqlite"):
        yield
        return
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


@dataclass
class Orion:
    """Everything a process needs, built once."""

    settings: Settings
    app: OrionApplication
    platform: Platform
    stores: StoreService
    catalog: CatalogService
    projections: ProjectionEngine
    read: ReadModels
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.projections.stop()
        self.projections.engine.dispose()
        self.read.engine.dispose()
        self.app.close()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Orion:
    settings = settings or Settings()
    # The library merges os.environ into its env: keep stray variables from changing the store.
    for key in ("PERSISTENCE_MODULE", "POSTGRES_ENABLE_DB_FUNCTIONS"):
        os.environ.pop(key, None)
    projections = all_projections()
    writer_engine = make_engine(settings.read_url, writer=True, pool_size=4)
    reader_engine = make_engine(settings.read_url)
    # Processes starting together (API, projector, worker) must not race to create tables.
    with schema_lock(settings.database_url):
        app = OrionApplication(env=event_store_env(settings.database_url))
        registry = TableRegistry(reader_engine, projections)
        engine = ProjectionEngine(
            recorder=app.recorder,
            mapper=app.mapper,
            engine=writer_engine,
            projections=projections,
            registry=registry,
        )
        engine.setup()
    platform = Platform(app, clock)
    # A commit in this process wakes the in-process projection engine at once.
    platform.listeners.append(lambda *_: engine.wake())
    return Orion(
        settings=settings,
        app=app,
        platform=platform,
        stores=StoreService(platform),
        catalog=CatalogService(platform),
        projections=engine,
        read=ReadModels(reader_engine, registry),
    )
