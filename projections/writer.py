"""Batched row writes for projection handlers.

Handlers describe the rows they want; the writer keeps the last word per primary key in memory
and flushes each table with a few ``executemany`` statements per batch, which is what makes a
rebuild fast (one round trip per table per batch, not per event).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, and_, select, tuple_

Key = tuple[Any, ...]


class _TableBuffer:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.pk = [c.name for c in table.primary_key.columns]
        self.rows: dict[Key, dict[str, Any] | None] = {}  # None = deleted
        self.maybe_stored: set[Key] = set()  # keys that may already have a row in the database
        self.children: dict[tuple[str, Any], list[dict[str, Any]]] = {}


class Writer:
    def __init__(self, conn: Connection, tables: dict[str, Table]) -> None:
        self.conn = conn
        self.tables = tables
        self._buffers: dict[str, _TableBuffer] = {}

    def _buffer(self, table: str) -> _TableBuffer:
        if table not in self._buffers:
            self._buffers[table] = _TableBuffer(self.tables[table])
        return self._buffers[table]

    def _key(self, buf: _TableBuffer, row_or_key: Any) -> Key:
        if isinstance(row_or_key, dict):
            return tuple(row_or_key[c] for c in buf.pk)
        return row_or_key if isinstance(row_or_key, tuple) else (row_or_key,)

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """A row that is new (its key never stored before, e.g. an aggregate's creation)."""
        buf = self._buffer(table)
        buf.rows[self._key(buf, row)] = dict(row)

    def put(self, table: str, row: dict[str, Any]) -> None:
        """Insert or replace the whole row."""
        buf = self._buffer(table)
        key = self._key(buf, row)
        buf.maybe_stored.add(key)
        buf.rows[key] = dict(row)

    def get(self, table: str, key: Any) -> dict[str, Any] | None:
        buf = self._buffer(table)
        k = self._key(buf, key)
        if k in buf.rows:
            row = buf.rows[k]
            return dict(row) if row is not None else None
        cols = [buf.table.c[c] for c in buf.pk]
        found = self.conn.execute(
            select(buf.table).where(and_(*(c == v for c, v in zip(cols, k, strict=True))))
        ).first()
        if found is None:
            return None
        buf.maybe_stored.add(k)
        buf.rows[k] = dict(found._mapping)
        return dict(found._mapping)

    def update(self, table: str, key: Any, **values: Any) -> bool:
        """Change some columns of an existing row; False when there is no such row."""
        row = self.get(table, key)
        if row is None:
            return False
        row.update(values)
        self._buffer(table).rows[self._key(self._buffer(table), key)] = row
        return True

    def delete(self, table: str, key: Any) -> None:
        buf = self._buffer(table)
        k = self._key(buf, key)
        buf.maybe_stored.add(k)
        buf.rows[k] = None

    def replace_children(
        self, table: str, parent_column: str, parent: Any, rows: list[dict[str, Any]]
    ) -> None:
        """Replace every row of ``table`` whose ``parent_column`` is ``parent``."""
        self._buffer(table).children[(parent_column, parent)] = [dict(r) for r in rows]

    def flush(self) -> None:
        for buf in self._buffers.values():
            self._flush_rows(buf)
            self._flush_children(buf)
        self._buffers.clear()

    def _flush_rows(self, buf: _TableBuffer) -> None:
        if not buf.rows:
            return
        table = buf.table
        stale = [k for k in buf.rows if k in buf.maybe_stored]
        if stale:
            if len(buf.pk) == 1:
                col = table.c[buf.pk[0]]
                for i in range(0, len(stale), 500):
                    chunk = [k[0] for k in stale[i : i + 500]]
                    self.conn.execute(table.delete().where(col.in_(chunk)))
            else:
                cols = tuple_(*(table.c[c] for c in buf.pk))
                for i in range(0, len(stale), 500):
                    self.conn.execute(table.delete().where(cols.in_(stale[i : i + 500])))
        rows = [r for r in buf.rows.values() if r is not None]
        if rows:
            self.conn.execute(table.insert(), rows)
        buf.rows.clear()
        buf.maybe_stored.clear()

    def _flush_children(self, buf: _TableBuffer) -> None:
        if not buf.children:
            return
        table = buf.table
        by_column: dict[str, list[Any]] = {}
        for column, parent in buf.children:
            by_column.setdefault(column, []).append(parent)
        for column, parents in by_column.items():
            for i in range(0, len(parents), 500):
                self.conn.execute(table.delete().where(table.c[column].in_(parents[i : i + 500])))
        rows = [r for rs in buf.children.values() for r in rs]
        if rows:
            self.conn.execute(table.insert(), rows)
        buf.children.clear()
