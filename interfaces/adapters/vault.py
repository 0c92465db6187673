"""Personal-data keys, one per person, kept outside the event log (crypto-shredding).

Each subject's 256-bit AES-GCM key is stored wrapped (encrypted) by the platform's key-wrapping
key, in the table ``orion_personal_keys`` of the event database. ``destroy`` overwrites it: what
was sealed with it, in the event log and in backups of the log, can then never be read again.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
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
CACHE_SECONDS = 300.0
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


class SqlPersonalData:
    """The ``PersonalData`` port over a SQL table. Thread-safe; caches unwrapped keys briefly
    (a destroyed key may linger in another process's cache for ``CACHE_SECONDS``; read models
    are blanked by the erasure event itself, not by the missing key)."""

    def __init__(self, engine: Engine, kek: bytes) -> None:
        # A query engine (autocommit on PostgreSQL, see make_engine): each write is one statement.
        self.engine = engine
        self._kek = AESGCM(kek)
        self._cache: OrderedDict[UUID, tuple[float, AESGCM | None]] = OrderedDict()
        self._lock = threading.Lock()

    def setup(self) -> None:
        metadata.create_all(self.engine)

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
        with self.engine.begin() as conn:
            conn.execute(
                update(keys_table)
                .where(keys_table.c.subject_id == subject)
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
            )
        with self._lock:
            self._cache[subject] = (time.monotonic(), None)

    # -- keys -------------------------------------------------------------------------------

    def _key(self, subject: UUID, *, create: bool) -> AESGCM | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(subject)
            fresh = cached is not None and now - cached[0] < CACHE_SECONDS
            if cached is not None and fresh and (cached[1] is not None or not create):
                return cached[1]
        # Sealing usually names a new subject (a guest's order, a new account): try to create
        # its key first, which is one round trip; an existing one is then read.
        key = self._create(subject) if create else None
        if key is None:
            key = self._load(subject)
        self._remember(now, {subject: key})
        return key

    def _remember(self, now: float, keys: dict[UUID, AESGCM | None]) -> None:
        with self._lock:
            for subject, key in keys.items():
                self._cache[subject] = (now, key)
                self._cache.move_to_end(subject)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """Load the keys of many subjects in one query (a projection's batch), so that the
        ``open`` calls that follow find them in the cache."""
        now = time.monotonic()
        with self._lock:
            wanted = sorted(
                {
                    s
                    for s in subjects
                    if s not in self._cache or now - self._cache[s][0] >= CACHE_SECONDS
                }
            )
        found: dict[UUID, AESGCM | None] = {}
        for i in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[i : i + PREFETCH_CHUNK]
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(keys_table.c.subject_id, keys_table.c.wrapped_key).where(
                        keys_table.c.subject_id.in_(chunk)
                    )
                ).all()
            # A subject with no row yet may get one later: only what exists is remembered.
            found.update({r.subject_id: self._unwrap(r.subject_id, r.wrapped_key) for r in rows})
        if found:
            self._remember(now, found)

    def _unwrap(self, subject: UUID, wrapped_key: bytes | None) -> AESGCM | None:
        if wrapped_key is None:
            return None
        wrapped = bytes(wrapped_key)
        return AESGCM(self._kek.decrypt(wrapped[:12], wrapped[12:], subject.bytes))

    def _load(self, subject: UUID) -> AESGCM | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys_table.c.wrapped_key).where(keys_table.c.subject_id == subject)
            ).first()
        return None if row is None else self._unwrap(subject, row.wrapped_key)

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
