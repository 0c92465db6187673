"""The projection writer never loses a write silently: what a batch wrote, however it wrote it,
is what its later handlers read, and a write that cannot land as written raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select

from projections.db import make_engine
from projections.writer import WriteError, Writer


@pytest.fixture
def db(database_url: str) -> Iterator[tuple[Engine, dict[str, Table]]]:
    metadata = MetaData()
    tables = {
        "lines": Table(
            "writer_lines",
            metadata,
            Column("order_id", String(8), primary_key=True),
            Column("sku", String(8), primary_key=True),
            Column("quantity", Integer, nullable=False),
            Column("shipped", Integer, nullable=False),
            Column("note", String(20)),
        ),
    }
    engine = make_engine(database_url, writer=True, pool_size=1)
    metadata.create_all(engine)
    try:
        yield engine, tables
    finally:
        engine.dispose()


def line(order: str, sku: str, quantity: int = 3, shipped: int = 0) -> dict[str, Any]:
    return {"order_id": order, "sku": sku, "quantity": quantity, "shipped": shipped, "note": "x"}


def stored(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]


def test_rows_replaced_as_children_are_read_and_patched_by_the_same_batch(
    db: tuple[Engine, dict[str, Table]],
) -> None:
    engine, tables = db
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.prefetch("lines", [("o1", "A")])  # before the rows exist: known absent
        rows = [line("o1", "A"), line("o1", "B")]
        w.replace_children("lines", "order_id", "o1", rows, fresh=True)
        row = w.get("lines", ("o1", "A"))
        assert row is not None and w.exists("lines", ("o1", "B"))
        w.patch("lines", ("o1", "A"), shipped=row["shipped"] + 2)
        w.flush()
    assert stored(engine, tables["lines"]) == [("o1", "A", 3, 2, "x"), ("o1", "B", 3, 0, "x")]


def test_replacing_children_forgets_what_the_batch_held_of_the_old_ones(
    db: tuple[Engine, dict[str, Table]],
) -> None:
    engine, tables = db
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.replace_children("lines", "order_id", "o1", [line("o1", "A"), line("o1", "B")])
        w.flush()
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.prefetch("lines", [("o1", "A")])
        w.patch("lines", ("o1", "A"), shipped=1)  # a stored row, read: patched in place
        w.patch("lines", ("o1", "B"), shipped=1)  # a stored row, not read: an UPDATE
        w.replace_children("lines", "order_id", "o1", [line("o1", "B", quantity=5)])
        # The old rows are gone for the batch, as they will be in the database.
        assert w.get("lines", ("o1", "A")) is None
        assert w.get("lines", ("o1", "B")) == line("o1", "B", quantity=5)
        with pytest.raises(WriteError):
            w.patch("lines", ("o1", "A"), shipped=2)
        w.patch("lines", ("o1", "B"), shipped=4)
        w.flush()
    assert stored(engine, tables["lines"]) == [("o1", "B", 5, 4, "x")]


def test_a_patch_of_a_row_that_does_not_exist_raises(db: tuple[Engine, dict[str, Table]]) -> None:
    engine, tables = db
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.insert("lines", line("o1", "A"))
        w.flush()
    # Not read first: found out when the batch is written.
    missing = pytest.raises(WriteError, match="1 of 2 patched rows do not exist")
    with missing, engine.begin() as conn:
        w = Writer(conn, tables)
        w.patch("lines", ("o1", "A"), shipped=1)
        w.patch("lines", ("o9", "A"), shipped=1)
        w.flush()
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.prefetch("lines", [("o9", "A")])
        with pytest.raises(WriteError):  # read and not found
            w.patch("lines", ("o9", "A"), shipped=1)
        w.delete("lines", ("o1", "A"))
        with pytest.raises(WriteError):  # deleted by the batch
            w.patch("lines", ("o1", "A"), shipped=1)


def test_an_insert_over_a_row_or_a_partly_read_row_put_back_raises(
    db: tuple[Engine, dict[str, Table]],
) -> None:
    engine, tables = db
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.insert("lines", line("o1", "A"))
        with pytest.raises(WriteError):
            w.insert("lines", line("o1", "A", quantity=4))
        w.flush()
    with engine.begin() as conn:
        w = Writer(conn, tables)
        w.prefetch("lines", [("o1", "A")], columns=["shipped"])
        row = w.get("lines", ("o1", "A"))
        assert row == {"order_id": "o1", "sku": "A", "shipped": 0}
        with pytest.raises(WriteError, match="note, quantity"):
            w.put("lines", {**row, "shipped": 1})
        w.put("lines", line("o1", "A", shipped=1))  # whole: fine
        w.flush()
    assert stored(engine, tables["lines"]) == [("o1", "A", 3, 1, "x")]


@pytest.mark.parametrize("rows", [3, 40])  # a plain INSERT, and COPY on PostgreSQL
def test_rows_that_name_other_columns_than_the_first_raise(
    db: tuple[Engine, dict[str, Table]], rows: int
) -> None:
    """A column only some rows of a table's batch name would be left out of the statement."""
    engine, tables = db
    with pytest.raises(WriteError, match="different columns"), engine.begin() as conn:
        w = Writer(conn, tables)
        w.insert("lines", {k: v for k, v in line("o0", "A").items() if k != "note"})
        for i in range(1, rows):
            w.insert("lines", line(f"o{i}", "A"))
        w.flush()
    with pytest.raises(WriteError, match="no column"), engine.begin() as conn:
        w = Writer(conn, tables)
        for i in range(rows):
            w.insert("lines", {**line(f"o{i}", "A"), "notes": "a typo"})
        w.flush()
    assert stored(engine, tables["lines"]) == []
