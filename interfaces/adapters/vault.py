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
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

PREFIX = "pd1."
CACHE_SIZE = 4096
CACHE_SECONDS = 300.0

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
        key = self._load(subject)
        if key is None and create:
            key = self._create(subject)
        with self._lock:
            self._cache[subject] = (now, key)
            self._cache.move_to_end(subject)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return key

    def _load(self, subject: UUID) -> AESGCM | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys_table.c.wrapped_key).where(keys_table.c.subject_id == subject)
            ).first()
        if row is None or row.wrapped_key is None:
            return None
        wrapped = bytes(row.wrapped_key)
        return AESGCM(self._kek.decrypt(wrapped[:12], wrapped[12:], subject.bytes))

    def _create(self, subject: UUID) -> AESGCM | None:
        raw = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + self._kek.encrypt(nonce, raw, subject.bytes)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(keys_table).values(
                        subject_id=subject, wrapped_key=wrapped, created_at=datetime.now(UTC)
                    )
                )
        except IntegrityError:
            # Another thread or process created it first, or it was destroyed: read what is.
            return self._load(subject)
        return AESGCM(raw)
