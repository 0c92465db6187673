"""SQLAlchemy engines for the read models (PostgreSQL or the embedded SQLite file)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from projections.writer import dumps


def sqlalchemy_url(url: str) -> str:
    """Accept the plain ``postgresql://`` URLs operators write; use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str,
    *,
    writer: bool = False,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 30.0,
    durable: bool = True,
) -> Engine:
    """An engine for queries, or (``writer``) for a projection runner.

    Its pool keeps up to ``pool_size`` connections open, opens up to ``max_overflow`` more when
    busy, and a checkout that finds none free within ``pool_timeout`` seconds raises
    ``sqlalchemy.exc.TimeoutError`` (the API answers it 503).

    ``durable=False`` (PostgreSQL): commits do not wait for the WAL to reach the disk. For read
    models only: they are derived from the log, and a database crash loses whole batches (rows
    and position together), which are applied again. Events are never written through it.

    On SQLite the writer takes the write lock when its transaction begins (BEGIN IMMEDIATE), so a
    batch never fails half-way on a lock upgrade; readers keep WAL's concurrent reads.
    """
    url = sqlalchemy_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            json_serializer=dumps,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    # Queries check a pooled connection before use (a restarted server then costs no
    # request an error). Runners do not: each of their round trips counts (a batch is about
    # ten), and a batch on a dead connection fails with nothing committed and is retried.
    # Queries run in autocommit: under READ COMMITTED each statement takes its own snapshot
    # anyway, so a transaction around reads buys nothing but a BEGIN and a ROLLBACK, two of
    # a point read's four round trips. (Writes through such an engine must be one statement
    # each, as the personal-data vault's are.)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=not writer,
        json_serializer=dumps,
        **({} if writer else {"isolation_level": "AUTOCOMMIT"}),
    )
    if writer and not durable:

        @event.listens_for(engine, "connect")
        def _asynchronous_commit(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
            dbapi_conn.commit()

    return engine


def for_reads(engine: Engine) -> Engine:
    """``engine`` for read-only statements: in autocommit on PostgreSQL.

    A read in a transaction costs a BEGIN and a ROLLBACK, and psycopg forgets the connection's
    prepared statements at every ROLLBACK (one more round trip, ``DEALLOCATE ALL``, and the
    statements are prepared again). Under READ COMMITTED every statement takes its own snapshot
    anyway. (SQLite's connections issue their own BEGIN: left as they are.)"""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")
