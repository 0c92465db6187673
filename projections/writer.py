"""Batched row writes for projection handlers.

Handlers describe the rows they want; the writer keeps the last word per primary key in memory
and flushes each table with a few statements per batch (``COPY`` on PostgreSQL, ``executemany``
on SQLite), which is what makes a rebuild fast: round trips per table per batch, not per event.
Rows a batch will read are fetched up front in one query per table (``prefetch``).

A handler reads what the batch wrote before it, however it was written (``replace_children``
too), exactly as it would have read it had each event been a batch of its own: a read model's
rows never depend on how its events were batched. A write that cannot land as written (a patch
of a row that does not exist, an insert over a row, a partly read row put back whole) raises
``WriteError`` instead of being lost: the batch, and so the projection, stops at that event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

import orjson
from psycopg import sql
from psycopg.types.json import Json, set_json_dumps
from sqlalchemy import JSON, Connection, Table, and_, any_, bindparam, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

# Up to this many rows, a table's inserts (or one kind of patch) are plain statements: one
# round trip, where COPY takes two (four for patches). A live batch is usually a few rows.
FEW_ROWS = 32

Key = tuple[Any, ...]


class WriteError(Exception):
    """A handler's write that would not land as written: refused rather than lost."""


class _TableBuffer:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.pk = [c.name for c in table.primary_key.columns]
        self.columns = frozenset(c.name for c in table.columns)
        if len(self.pk) == 1:
            only = self.pk[0]
            self.key_of: Callable[[dict[str, Any]], Key] = lambda row: (row[only],)
        else:
            self.key_of = itemgetter(*self.pk)  # a tuple of the values, in C
        self.rows: dict[Key, dict[str, Any] | None] = {}  # None = deleted
        self.maybe_stored: set[Key] = set()  # keys that may already have a row in the database
        self.absent: set[Key] = set()  # keys known to have no row (prefetched and not found)
        # Column changes to stored rows that were never read: written by one UPDATE per batch.
        self.patches: dict[Key, dict[str, Any]] = {}
        # Rows read from the database and not replaced since: only their patches are written.
        self.loaded: set[Key] = set()
        self.partial: set[Key] = set()  # loaded rows read with some of their columns only
        # Parents whose rows ``replace_children`` replaced, by their column's place in the key:
        # a row of theirs is in ``rows``, or it does not exist (whatever the database holds).
        self.replaced: dict[int, set[Any]] = {}
        # Those of them whose stored rows are deleted before the batch's rows are written.
        self.cleared: dict[int, set[Any]] = {}
        # The keys in ``rows`` and ``patches`` by parent, kept from the first replace_children
        # on: replacing a parent's rows drops what the batch holds of them, without a scan.
        self.by_parent: dict[int, dict[Any, set[Key]]] = {}

    def track(self, k: Key) -> None:
        """Note a key that entered ``rows`` or ``patches`` (only needed once ``by_parent`` is)."""
        for i, index in self.by_parent.items():
            keys = index.get(k[i])
            if keys is None:
                index[k[i]] = {k}
            else:
                keys.add(k)

    def in_replaced(self, k: Key) -> bool:
        return any(k[i] in parents for i, parents in self.replaced.items())

    def place_of(self, column: str) -> int:
        if column not in self.pk:
            raise WriteError(
                f"{self.table.name}: replace_children needs a column of the primary key "
                f"({', '.join(self.pk)}), not {column!r}"
            )
        return self.pk.index(column) if len(self.pk) > 1 else 0


History = Callable[[Any, int], list[Any]]


class Writer:
    def __init__(
        self, conn: Connection, tables: dict[str, Table], *, history: History | None = None
    ) -> None:
        self.conn = conn
        self.tables = tables
        self._history = history
        self._buffers: dict[str, _TableBuffer] = {}
        # Per-batch notes a projection keeps between ``handle`` and ``finish``.
        self.scratch: dict[str, Any] = {}
        self._temp_tables = 0  # temporary tables live until commit: names must not repeat

    def _buffer(self, table: str) -> _TableBuffer:
        if table not in self._buffers:
            self._buffers[table] = _TableBuffer(self.tables[table])
        return self._buffers[table]

    def _key(self, buf: _TableBuffer, row_or_key: Any) -> Key:
        if type(row_or_key) is dict:
            return buf.key_of(row_or_key)
        return row_or_key if type(row_or_key) is tuple else (row_or_key,)

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """A row that is new (its key never stored before, e.g. an aggregate's creation)."""
        buf = self._buffer(table)
        k = self._key(buf, row)
        held = buf.rows.setdefault(k, row)  # (one lookup of the key: rebuilds insert a lot)
        if held is not row:
            if held is not None:
                # Batch by batch, the database would refuse the second row (a unique violation).
                raise WriteError(f"{table}: row {k} inserted where there is one already")
            buf.rows[k] = row
        if buf.patches:
            buf.patches.pop(k, None)
        if buf.by_parent:
            buf.track(k)

    def put(self, table: str, row: dict[str, Any]) -> None:
        """Insert or replace the whole row."""
        buf = self._buffer(table)
        key = self._key(buf, row)
        if key in buf.partial and not buf.columns <= row.keys():
            missing = ", ".join(sorted(buf.columns - row.keys()))
            raise WriteError(f"{table}: row {key} was read in part; put without {missing}")
        if key not in buf.rows or key in buf.maybe_stored:  # else: inserted by this batch
            buf.maybe_stored.add(key)
        buf.patches.pop(key, None)
        buf.loaded.discard(key)
        buf.partial.discard(key)
        buf.rows[key] = row
        if buf.by_parent:
            buf.track(key)

    def prefetch(
        self, table: str, keys: Iterable[Any], columns: Sequence[str] | None = None
    ) -> None:
        """Load the rows the batch will ``get``, in one query per 500 keys.

        With ``columns``, only those (and the key) are read: enough for a handler that only
        looks at them; such a row is never rewritten whole unless the handler ``put``s it.
        """
        buf = self._buffer(table)
        wanted = {self._key(buf, k) for k in keys} - buf.rows.keys() - buf.absent
        if buf.replaced:  # the database's rows of replaced parents are gone already
            wanted = {k for k in wanted if not buf.in_replaced(k)}
        if not wanted:
            return
        ordered = list(wanted)
        wanted_columns = (
            [buf.table.c[c] for c in dict.fromkeys([*buf.pk, *columns])]
            if columns
            else list(buf.table.columns)
        )
        # PostgreSQL takes every key as one array parameter (``= ANY``): one short statement.
        single = len(buf.pk) == 1 and self.conn.dialect.name == "postgresql"
        step = len(ordered) if single else 500
        for i in range(0, len(ordered), step):
            chunk = ordered[i : i + step]
            if single:
                key = buf.table.c[buf.pk[0]]
                keys = bindparam("keys", [k[0] for k in chunk], type_=ARRAY(key.type))
                where = key == any_(keys)
            elif len(buf.pk) == 1:
                where = buf.table.c[buf.pk[0]].in_([k[0] for k in chunk])
            else:
                where = tuple_(*(buf.table.c[c] for c in buf.pk)).in_(chunk)
            for found in self.conn.execute(select(*wanted_columns).where(where)):
                row = dict(found._mapping)
                k = self._key(buf, row)
                row.update(buf.patches.get(k, {}))
                buf.rows[k] = row
                buf.loaded.add(k)
                buf.maybe_stored.add(k)
                if columns:
                    buf.partial.add(k)
                if buf.by_parent:
                    buf.track(k)
        buf.absent.update(wanted - buf.rows.keys())

    def get(self, table: str, key: Any) -> dict[str, Any] | None:
        buf = self._buffer(table)
        k = self._key(buf, key)
        if k in buf.rows:
            row = buf.rows[k]
            return dict(row) if row is not None else None
        if k in buf.absent or (buf.replaced and buf.in_replaced(k)):
            return None
        cols = [buf.table.c[c] for c in buf.pk]
        found = self.conn.execute(
            select(buf.table).where(and_(*(c == v for c, v in zip(cols, k, strict=True))))
        ).first()
        if found is None:
            return None
        row = dict(found._mapping)
        row.update(buf.patches.get(k, {}))
        buf.maybe_stored.add(k)
        buf.loaded.add(k)
        buf.rows[k] = row
        if buf.by_parent:
            buf.track(k)
        return dict(row)

    def exists(self, table: str, key: Any) -> bool:
        """Whether the row is there (as ``get`` would find it), without copying it."""
        buf = self._buffer(table)
        k = self._key(buf, key)
        if k in buf.rows:
            return buf.rows[k] is not None
        return k not in buf.absent and self.get(table, key) is not None

    def history(self, originator_id: Any, version: int) -> list[Any]:
        """An aggregate's events up to ``version``, read from the event log: for the handler of
        an old event that does not carry what the handler needs (before its ``class_version``
        2, say). Slow (a query per call): never for events recorded today."""
        if self._history is None:
            raise RuntimeError("this writer was given no access to the event log")
        return self._history(originator_id, version)

    def patch(self, table: str, key: Any, **values: Any) -> None:
        """Change some columns of a row without reading it. The row must exist: a patch of
        one that does not raises ``WriteError``, here or when the batch is written."""
        buf = self._buffer(table)
        k = self._key(buf, key)
        if k in buf.rows:
            row = buf.rows[k]
            if row is None:
                raise WriteError(f"{table}: patch of row {k}, deleted by this batch")
            row.update(values)
            if k not in buf.loaded:
                return  # the whole row is written anyway
        elif k in buf.absent or (buf.replaced and buf.in_replaced(k)):
            raise WriteError(f"{table}: patch of row {k}, which does not exist")
        patch = buf.patches.get(k)
        if patch is None:
            buf.patches[k] = dict(values)
            if buf.by_parent:
                buf.track(k)
        else:
            patch.update(values)

    def delete(self, table: str, key: Any) -> None:
        buf = self._buffer(table)
        k = self._key(buf, key)
        buf.maybe_stored.add(k)
        buf.patches.pop(k, None)
        buf.loaded.discard(k)
        buf.partial.discard(k)
        buf.rows[k] = None
        if buf.by_parent:
            buf.track(k)

    def replace_children(
        self,
        table: str,
        parent_column: str,
        parent: Any,
        rows: list[dict[str, Any]],
        *,
        fresh: bool = False,
    ) -> None:
        """Replace every row of ``table`` whose ``parent_column`` (a column of its primary key)
        is ``parent`` (``fresh``: the parent is known to have none stored yet). The new rows are
        the batch's like any other: ``get``, ``patch`` and the rest see them."""
        buf = self._buffer(table)
        i = buf.place_of(parent_column)
        index = buf.by_parent.get(i)
        if index is None:
            index = buf.by_parent[i] = {}
            for k in (*buf.rows, *buf.patches):
                index.setdefault(k[i], set()).add(k)
        for k in index.pop(parent, ()):  # what the batch held of the old rows
            if k in buf.maybe_stored or k in buf.patches:
                fresh = False  # some are stored after all
            buf.rows.pop(k, None)
            buf.patches.pop(k, None)
            buf.loaded.discard(k)
            buf.partial.discard(k)
            buf.maybe_stored.discard(k)
        if i in buf.replaced:
            buf.replaced[i].add(parent)
        else:
            buf.replaced[i] = {parent}
        if not fresh:
            buf.cleared.setdefault(i, set()).add(parent)
        keys: set[Key] = set()
        for row in rows:
            k = buf.key_of(row)
            if (k[i] is not parent and k[i] != parent) or buf.rows.setdefault(k, row) is not row:
                raise WriteError(f"{table}: row {k} is not a new child of {parent!r}")
            keys.add(k)
        index[parent] = keys
        if buf.absent:
            buf.absent -= keys
        if len(buf.by_parent) > 1:
            for k in keys:
                buf.track(k)

    def flush(self) -> None:
        for buf in self._buffers.values():
            self._flush_cleared(buf)
            self._flush_rows(buf)
            self._flush_patches(buf)
        self._buffers.clear()

    def _flush_cleared(self, buf: _TableBuffer) -> None:
        """Delete the stored rows of the parents replace_children replaced (before their new
        rows are inserted)."""
        table = buf.table
        for i, parents in buf.cleared.items():
            column, ordered = table.c[buf.pk[i]], list(parents)
            for n in range(0, len(ordered), 500):
                self.conn.execute(table.delete().where(column.in_(ordered[n : n + 500])))

    def _flush_rows(self, buf: _TableBuffer) -> None:
        if not buf.rows:
            return
        table = buf.table
        # Rows read and left as they were, or only patched, are not rewritten. (A rebuild's
        # batch mostly reads nothing: no pass over its rows then.)
        rewrite = (
            {k: r for k, r in buf.rows.items() if k not in buf.loaded} if buf.loaded else buf.rows
        )
        stale = [k for k in rewrite if k in buf.maybe_stored] if buf.maybe_stored else []
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
        self._insert(table, [r for r in rewrite.values() if r is not None])
        buf.rows.clear()
        buf.maybe_stored.clear()
        buf.absent.clear()
        buf.loaded.clear()

    def _flush_patches(self, buf: _TableBuffer) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, values in buf.patches.items():
            groups.setdefault(tuple(sorted(values)), []).append(
                {**dict(zip(buf.pk, key, strict=True)), **values}
            )
        expected, updated = len(buf.patches), 0
        buf.patches.clear()
        table = buf.table
        for columns, rows in groups.items():
            if self.conn.dialect.name != "postgresql" or len(rows) <= FEW_ROWS:
                statement = (
                    table.update()
                    .where(and_(*(table.c[c] == bindparam(f"k_{c}") for c in buf.pk)))
                    .values({c: bindparam(c) for c in columns})
                )
                updated += self.conn.execute(
                    statement,
                    [
                        {**{f"k_{c}": r[c] for c in buf.pk}, **{c: r[c] for c in columns}}
                        for r in rows
                    ],
                ).rowcount
                continue
            # PostgreSQL, many rows: COPY the changes into a temporary table, then one
            # UPDATE … FROM (four round trips, whatever the number of rows).
            self._temp_tables += 1
            temp = f"_orion_patch_{self._temp_tables}"
            every = [*buf.pk, *columns]
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT "
                + ", ".join(f'"{c}"' for c in every)
                + f' FROM "{table.name}" WITH NO DATA'
            )
            self._copy(
                temp, every, {c.name for c in table.columns if isinstance(c.type, JSON)}, rows
            )
            assignments = ", ".join(f'"{c}" = p."{c}"' for c in columns)
            match = " AND ".join(f't."{c}" = p."{c}"' for c in buf.pk)
            updated += self.conn.exec_driver_sql(
                f'UPDATE "{table.name}" AS t SET {assignments} FROM {temp} AS p WHERE {match}'
            ).rowcount
        if updated != expected:
            # Each patch is of one row by its key: a row short is a patch that would be lost.
            raise WriteError(
                f"{table.name}: {expected - updated} of {expected} patched rows do not exist"
            )

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        # Every row of a statement names the same columns: a column only some rows name would
        # be left out of the others' statement (a row missing one of the first row's fails).
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            odd = next(row for row in rows if len(row) != width)
            raise WriteError(
                f"{table.name}: rows name different columns ({sorted(rows[0])} and {sorted(odd)})"
            )
        unknown = rows[0].keys() - table.columns.keys()
        if unknown:  # (an INSERT would leave it out without a word)
            raise WriteError(f"{table.name} has no column {sorted(unknown)}")
        if self.conn.dialect.name != "postgresql" or len(rows) <= FEW_ROWS:
            self.conn.execute(table.insert(), rows)  # one INSERT … VALUES (…), (…)
            return
        # COPY is several times faster than even a pipelined executemany; it runs on the
        # connection's own psycopg connection, inside the same transaction as everything else.
        # (It costs an extra round trip, though: a live batch of a few rows inserts them.)
        columns = [c.name for c in table.columns if c.name in rows[0]]
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        self._copy(table.name, columns, json_columns, rows)

    def _copy(
        self, name: str, columns: list[str], json_columns: set[str], rows: list[dict[str, Any]]
    ) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        types = _copy_types(columns, json_columns, rows)
        raw: Any = self.conn.connection.driver_connection
        with raw.cursor() as cursor:
            if types is None:
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(
                            [
                                Json(row[c], dumps=dump_bytes) if c in json_columns else row[c]
                                for c in columns
                            ]
                        )
                return
            # Each column's values of one Python type: its dumper is chosen once, not per value.
            set_json_dumps(dump_bytes, cursor)
            with cursor.copy(statement) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row([row[c] for c in columns])


# The PostgreSQL type whose dumper writes a Python type's values (text COPY: the server parses
# them for the column's own type).
_COPY_TYPES: dict[type, str] = {
    str: "text",
    int: "int8",
    bool: "bool",
    float: "float8",
    UUID: "uuid",
    datetime: "timestamptz",
    date: "date",
}


def _copy_types(
    columns: list[str], json_columns: set[str], rows: list[dict[str, Any]]
) -> list[str] | None:
    """The type of each column for ``Copy.set_types``, or None when a column's values are of
    several Python types (or an unusual one): then each value's dumper is looked up."""
    types = []
    for c in columns:
        if c in json_columns:
            types.append("json")
            continue
        found = {type(row[c]) for row in rows}
        found.discard(type(None))
        if len(found) > 1:
            return None
        pg_type = _COPY_TYPES.get(found.pop()) if found else "text"
        if pg_type is None:
            return None
        types.append(pg_type)
    return types


def dump_bytes(value: Any) -> bytes:
    """JSON for read-model columns (orjson: UUIDs and datetimes as ISO strings, fast)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def dumps(value: Any) -> str:
    return dump_bytes(value).decode()
