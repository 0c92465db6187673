"""Personal-data keys, one per person, kept outside the event log (crypto-shredding).

Each subject's 256-bit AES-GCM key is stored wrapped (encrypted) by the platform's key-wrapping
key, in the table ``orion_personal_keys`` of the event database. ``destroy`` overwrites it: what
was sealed with it, in the event log and in backups of the log, can then never be read again.

**Erasure holds at once in every process.** Each process keeps unwrapped keys in memory, and
each ``destroy`` ticks the erasure clock (one row, ``orion_erasure_clock``) and records the
subject with the clock's new value (``orion_erasures``), in the transaction that destroys the
key. Before a process uses a key from its memory it reads the clock, at most once per use of
personal data (an API request, a projection batch: ``one_use``; outside one, at every use), and
first forgets every key destroyed since its last reading. Reading the clock is one indexed
single-row query; a missed key costs the key's own read, as before.
"""

from __future__ import annotations

import base64
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Uuid,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

PREFIX = "pd1."
CACHE_SIZE = 4096
PREFETCH_CHUNK = 500

metadata = MetaData()
keys_table = Table(
    "orion_personal_keys",
    metadata,
    Column("subject_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary),  # NULL once destroyed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
)
# One row: how many keys were ever destroyed. ``destroy`` ticks it under the row's lock, so
# erasures commit in the clock's order: a reader that sees the value N sees every erasure up to N.
clock_table = Table(
    "orion_erasure_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("tick", BigInteger, nullable=False),
)
erasures_table = Table(
    "orion_erasures",
    metadata,
    Column("subject_id", Uuid, primary_key=True),
    Column("tick", BigInteger, nullable=False, index=True),  # the clock's value it set
    Column("erased_at", DateTime(timezone=True), nullable=False),
)
CLOCK_ROW = 1


class _Use:
    """One use of personal data (a request, a batch): the vaults that read the clock in it."""

    __slots__ = ("checked",)

    def __init__(self) -> None:
        self.checked: set[SqlPersonalData] = set()


_use: ContextVar[_Use | None] = ContextVar("orion_personal_data_use", default=None)


@contextmanager
def one_use() -> Iterator[None]:
    """Everything inside is one use of personal data (an API request, a projection batch):
    a cached key is checked against the erasure clock once in it, not at every value opened.
    An erasure committed before the use began is always seen; one committed during it is
    concurrent with it, as it would be with a read of the key itself."""
    token = _use.set(_Use())
    try:
        yield
    finally:
        _use.reset(token)


class SqlPersonalData:
    """The ``PersonalData`` port over SQL tables. Thread-safe. Keeps the unwrapped keys of the
    last ``CACHE_SIZE`` subjects, each used only while the erasure clock says it was not
    destroyed since (see the module's docstring); a destroyed key is remembered as such."""

    def __init__(self, engine: Engine, kek: bytes) -> None:
        # A query engine (autocommit on PostgreSQL, see make_engine): each write is one
        # statement, but for ``destroy``'s three, which take a transaction.
        self.engine = engine
        self._transactions = (
            engine.execution_options(isolation_level="READ COMMITTED")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._kek = AESGCM(kek)
        # subject -> its key, or None once destroyed (for good: a destroyed key never returns)
        self._cache: OrderedDict[UUID, AESGCM | None] = OrderedDict()
        self._lock = threading.Lock()
        # The clock's value at this process's last reading: the cache holds no key destroyed
        # up to it. None until the first reading.
        self._tick: int | None = None

    def setup(self) -> None:
        metadata.create_all(self.engine)
        with self.engine.connect() as conn:
            upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(
                upsert(clock_table)
                .values(id=CLOCK_ROW, tick=0)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            conn.commit()

    # -- the port ---------------------------------------------------------------------------

    def seal(self, subject: UUID, data: dict[str, Any]) -> str:
        key = self._key(subject, create=True)
        if key is None:
            raise ValueError(f"the personal data of {subject} was erased")
        nonce = os.urandom(12)
        sealed = key.encrypt(nonce, orjson.dumps(data), subject.bytes)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, subject: UUID, sealed: str | None) -> dict[str, Any] | None:
        if not sealed or not sealed.startswith(PREFIX):
            return None
        key = self._key(subject, create=False)
        if key is None:
            return None
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX) :])
        try:
            data: dict[str, Any] = orjson.loads(key.decrypt(raw[:12], raw[12:], subject.bytes))
        except InvalidTag:
            return None
        return data

    def destroy(self, subject: UUID) -> None:
        """Destroys the key, and (if it was there) ticks the clock and records the erasure, in
        one transaction: every process forgets the key at its next reading of the clock."""
        now = datetime.now(UTC)
        with self._transactions.begin() as conn:
            destroyed = conn.execute(
                update(keys_table)
                .where(keys_table.c.subject_id == subject, keys_table.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, destroyed_at=now)
            ).rowcount
            if destroyed:
                self._record_erasure(conn, subject, now)
        with self._lock:
            self._cache[subject] = None
            self._cache.move_to_end(subject)

    def _record_erasure(self, conn: Connection, subject: UUID, at: datetime) -> None:
        tick = conn.execute(
            update(clock_table)
            .where(clock_table.c.id == CLOCK_ROW)
            .values(tick=clock_table.c.tick + 1)
            .returning(clock_table.c.tick)
        ).scalar_one()
        upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        insert = upsert(erasures_table).values(subject_id=subject, tick=tick, erased_at=at)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["subject_id"],
                set_={"tick": insert.excluded.tick, "erased_at": insert.excluded.erased_at},
            )
        )

    def erased(self, subjects: Iterable[UUID]) -> set[UUID]:
        """Those of ``subjects`` whose key was destroyed, read from the key table itself (one
        query; a key this process saw destroyed needs none): for read models, which blank a
        person only once they apply the erasure's event."""
        wanted = set(subjects)
        with self._lock:
            gone = {s for s in wanted if s in self._cache and self._cache[s] is None}
        ask = sorted(wanted - gone)
        for i in range(0, len(ask), PREFETCH_CHUNK):
            with self.engine.connect() as conn:
                gone.update(
                    conn.execute(
                        select(keys_table.c.subject_id).where(
                            keys_table.c.subject_id.in_(ask[i : i + PREFETCH_CHUNK]),
                            keys_table.c.wrapped_key.is_(None),
                        )
                    ).scalars()
                )
        return gone

    # -- the erasure clock ------------------------------------------------------------------

    def _checked(self) -> None:
        """Makes sure the cache holds no key destroyed before this use of personal data began:
        reads the clock, unless this use already did."""
        use = _use.get()
        if use is not None and self in use.checked:
            return
        self._read_clock()
        if use is not None:
            use.checked.add(self)

    def _read_clock(self) -> None:
        """Reads the clock and forgets every cached key destroyed since the last reading."""
        with self._lock:
            since = self._tick
        with self.engine.connect() as conn:
            tick = conn.execute(
                select(clock_table.c.tick).where(clock_table.c.id == CLOCK_ROW)
            ).scalar_one()
            destroyed: list[UUID] = []
            if since is not None and tick > since:
                destroyed = list(
                    conn.execute(
                        select(erasures_table.c.subject_id).where(erasures_table.c.tick > since)
                    ).scalars()
                )
        with self._lock:
            if self._tick is None or len(destroyed) > CACHE_SIZE:
                self._cache.clear()
            for subject in destroyed:
                if subject in self._cache:
                    self._cache[subject] = None
            # Readings may finish out of order: the clock never goes back.
            self._tick = tick if self._tick is None else max(self._tick, tick)

    def _current_tick(self) -> int:
        """The tick a key about to be read from the table is remembered under."""
        if self._tick is None:
            self._read_clock()
        assert self._tick is not None
        return self._tick

    # -- keys -------------------------------------------------------------------------------

    def _key(self, subject: UUID, *, create: bool) -> AESGCM | None:
        with self._lock:
            kept = subject in self._cache
            if kept and self._cache[subject] is None:
                return None  # destroyed, for good
        if kept:
            self._checked()  # which forgets the key if it was destroyed since
            with self._lock:
                if subject in self._cache:
                    self._cache.move_to_end(subject)
                    return self._cache[subject]
        tick = self._current_tick()
        # Sealing usually names a new subject (a guest's order, a new account): try to create
        # its key first, which is one round trip; an existing one is then read.
        key = self._create(subject) if create else None
        if key is None:
            found, key = self._load(subject)
            if not found:
                return None  # no key yet (one may be made later): nothing to remember
        self._remember(tick, {subject: key})
        return key

    def _remember(self, tick: int, keys: dict[UUID, AESGCM | None]) -> None:
        """Keeps keys read from the table when the clock was at ``tick``. A key is kept only if
        the clock was not read anew meanwhile: that reading may have passed over its
        destruction before it was kept. A destroyed key is kept whatever the tick."""
        with self._lock:
            for subject, key in keys.items():
                if key is not None and tick != self._tick:
                    continue
                self._cache[subject] = key
                self._cache.move_to_end(subject)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """Load the keys of many subjects in one query (a projection's batch), so that the
        ``open`` calls that follow find them in the cache. Reads the clock for this use of
        personal data (once), so that those calls need not."""
        wanted = set(subjects)
        if not wanted:
            return
        self._checked()
        tick = self._current_tick()
        with self._lock:
            missing = sorted(s for s in wanted if s not in self._cache)
        found: dict[UUID, AESGCM | None] = {}
        for i in range(0, len(missing), PREFETCH_CHUNK):
            chunk = missing[i : i + PREFETCH_CHUNK]
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(keys_table.c.subject_id, keys_table.c.wrapped_key).where(
                        keys_table.c.subject_id.in_(chunk)
                    )
                ).all()
            # A subject with no row yet may get one later: only what exists is remembered.
            found.update({r.subject_id: self._unwrap(r.subject_id, r.wrapped_key) for r in rows})
        if found:
            self._remember(tick, found)

    def _unwrap(self, subject: UUID, wrapped_key: bytes | None) -> AESGCM | None:
        if wrapped_key is None:
            return None
        wrapped = bytes(wrapped_key)
        return AESGCM(self._kek.decrypt(wrapped[:12], wrapped[12:], subject.bytes))

    def _load(self, subject: UUID) -> tuple[bool, AESGCM | None]:
        """(whether the subject has a row, its key: None once destroyed)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys_table.c.wrapped_key).where(keys_table.c.subject_id == subject)
            ).first()
        return (False, None) if row is None else (True, self._unwrap(subject, row.wrapped_key))

    def _create(self, subject: UUID) -> AESGCM | None:
        """A new key for ``subject``; None if it has one already (or had: destroyed)."""
        raw = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + self._kek.encrypt(nonce, raw, subject.bytes)
        values = {"subject_id": subject, "wrapped_key": wrapped, "created_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            made = conn.execute(
                upsert(keys_table)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["subject_id"])
                .returning(keys_table.c.subject_id)
            ).first()
        return AESGCM(raw) if made is not None else None
