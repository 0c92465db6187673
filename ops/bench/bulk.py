"""What the database itself needs to build a read model's final rows: the second half of a
rebuild's baseline (the first is reading and decoding its events).

For each table of the generation a rebuild just made: a table like it (its generated columns
too, such as the search document), filled by one ``COPY`` of the same rows from memory, then
given the same indexes (a GIN index over a ``tsvector``, say) after the load, as a bulk load
does. The rows are read out before the clock starts; the copy is dropped afterwards.
"""

from __future__ import annotations

import io
import re
import time

import psycopg
from psycopg import sql


def database_build_seconds(url: str, tables: list[str]) -> float:
    """Seconds PostgreSQL takes to bulk-load ``tables``' rows into fresh copies and index them."""
    with psycopg.connect(url, autocommit=True) as conn:
        loads = [_prepare(conn, table) for table in tables]
        started = time.perf_counter()
        for load in loads:
            load.run(conn)
        seconds = time.perf_counter() - started
        for load in loads:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(load.copy)))
    return seconds


class _Load:
    def __init__(self, table: str, columns: list[str], rows: bytes, indexes: list[str]) -> None:
        self.table, self.columns, self.rows, self.indexes = table, columns, rows, indexes
        self.copy = f"{table}_bulk"

    def run(self, conn: psycopg.Connection) -> None:
        copy = sql.Identifier(self.copy)
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING GENERATED)").format(
                copy, sql.Identifier(self.table)
            )
        )
        columns = sql.SQL(", ").join(map(sql.Identifier, self.columns))
        with (
            conn.cursor() as cursor,
            cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(copy, columns)) as load,
        ):
            load.write(self.rows)
        for definition in self.indexes:
            conn.execute(definition)  # type: ignore[arg-type]
        conn.execute(sql.SQL("ANALYZE {}").format(copy))


def _prepare(conn: psycopg.Connection, table: str) -> _Load:
    # Only the columns a writer sets: generated ones are computed again by the load.
    columns = [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            (table,),
        )
    ]
    out = io.BytesIO()
    listed = sql.SQL(", ").join(map(sql.Identifier, columns))
    with (
        conn.cursor() as cursor,
        cursor.copy(
            sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(listed, sql.Identifier(table))
        ) as dump,
    ):
        for chunk in dump:
            out.write(chunk)
    indexes = []
    for name, definition in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)
    ):
        # The same index on the copy, under a name of its own.
        renamed = definition.replace(f'INDEX "{name}"', f'INDEX "{name}_bulk"', 1).replace(
            f"INDEX {name} ", f"INDEX {name}_bulk ", 1
        )
        indexes.append(
            re.sub(
                rf"\bON (\S*\.)?\"?{re.escape(table)}\"?\b", f"ON {table}_bulk", renamed, count=1
            )
        )
    return _Load(table, columns, out.getvalue(), indexes)
