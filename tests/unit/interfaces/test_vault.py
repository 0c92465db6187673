"""The vault's rule: an erased subject's data is never opened again, in any process, whatever
keys a process keeps in memory; and keeping them stays cheap (one read of the erasure clock per
use of personal data).

Two ``SqlPersonalData`` on one database file are two processes: they share nothing in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, event

from adapters.vault import SqlPersonalData, one_use
from projections.db import make_engine

KEK = b"k" * 32
DATA = {"email": "ada@example.org", "name": "Ada"}


def vault(url: str) -> SqlPersonalData:
    made = SqlPersonalData(make_engine(url, pool_size=2), KEK)
    made.setup()
    return made


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/vault.db"


@pytest.fixture
def first(url: str) -> Iterator[SqlPersonalData]:
    made = vault(url)
    yield made
    made.engine.dispose()


@pytest.fixture
def second(url: str, first: SqlPersonalData) -> Iterator[SqlPersonalData]:
    made = vault(url)
    yield made
    made.engine.dispose()


class Statements:
    """Counts the queries an engine runs (SQLite's BEGIN aside: PostgreSQL's are autocommit)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += statement != "BEGIN"


def test_a_key_destroyed_in_another_process_is_never_used_again(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    subject = uuid4()
    sealed = first.seal(subject, DATA)
    assert second.open(subject, sealed) == DATA  # the second process now keeps the key

    first.destroy(subject)

    assert second.open(subject, sealed) is None
    with pytest.raises(ValueError, match="erased"):
        second.seal(subject, DATA)
    assert second.erased([subject, uuid4()]) == {subject}


def test_an_erasure_made_before_a_use_began_is_seen_in_it(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    kept, erased = uuid4(), uuid4()
    sealed = {s: first.seal(s, DATA) for s in (kept, erased)}
    with one_use():
        assert all(second.open(s, sealed[s]) == DATA for s in sealed)

    first.destroy(erased)

    with one_use():
        assert second.open(kept, sealed[kept]) == DATA
        assert second.open(erased, sealed[erased]) is None


def test_within_one_use_the_clock_is_read_once(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    subjects = [uuid4() for _ in range(5)]
    sealed = {s: first.seal(s, DATA) for s in subjects}
    with one_use():
        second.prefetch(subjects)  # one reading of the clock, one read of the keys
    statements = Statements(second.engine)

    with one_use():
        for _ in range(3):
            assert all(second.open(s, sealed[s]) == DATA for s in subjects)
    assert statements.count == 1  # the clock, once for the fifteen values

    with one_use():
        assert second.open(subjects[0], sealed[subjects[0]]) == DATA
    assert statements.count == 2  # a new use reads it again

    # Outside any use, every value opened with a kept key reads the clock.
    assert all(second.open(s, sealed[s]) == DATA for s in subjects)
    assert statements.count == 7


def test_a_batch_that_prefetches_sees_the_erasures_made_before_it(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    subject = uuid4()
    sealed = first.seal(subject, DATA)
    with one_use():
        second.prefetch([subject])
        assert second.open(subject, sealed) == DATA

    first.destroy(subject)

    with one_use():
        second.prefetch([subject])
        assert second.open(subject, sealed) is None


def test_a_key_read_while_it_is_destroyed_elsewhere_is_not_kept(
    first: SqlPersonalData, second: SqlPersonalData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process reads a key; before it keeps it, the key is destroyed and another of
    its requests reads the clock. The key it read must not be kept: that reading has passed
    over its destruction already."""
    subject, other = uuid4(), uuid4()
    sealed, other_sealed = first.seal(subject, DATA), first.seal(other, DATA)
    assert second.open(other, other_sealed) == DATA
    read_key = second._load

    def load_then_erase(of: UUID) -> Any:
        loaded = read_key(of)
        first.destroy(of)
        with one_use():  # another request of the second process, meanwhile
            assert second.open(other, other_sealed) == DATA
        return loaded

    monkeypatch.setattr(second, "_load", load_then_erase)
    with one_use():
        # Read just before the destruction: this request may still see the data.
        assert second.open(subject, sealed) == DATA
    monkeypatch.setattr(second, "_load", read_key)

    with one_use():
        assert second.open(subject, sealed) is None


def test_destroying_twice_records_one_erasure(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    subject = uuid4()
    sealed = first.seal(subject, DATA)
    assert second.open(subject, sealed) == DATA
    first.destroy(subject)
    first.destroy(subject)
    second.destroy(subject)
    assert second.open(subject, sealed) is None
    with one_use():
        second._checked()
    assert second._tick == 1


def test_a_process_started_after_the_erasure_never_opens_it(
    url: str, first: SqlPersonalData
) -> None:
    subject = uuid4()
    sealed = first.seal(subject, DATA)
    first.destroy(subject)
    later = vault(url)
    assert later.open(subject, sealed) is None
    assert later.erased([subject]) == {subject}
    later.engine.dispose()


def test_no_key_yet_is_not_remembered_as_erased(
    first: SqlPersonalData, second: SqlPersonalData
) -> None:
    """A subject opened before anyone sealed its data: once it is sealed, it opens."""
    subject = uuid4()
    assert second.open(subject, "pd1.AAAA") is None
    sealed = first.seal(subject, DATA)
    assert second.open(subject, sealed) == DATA
    assert second.erased([subject]) == set()
