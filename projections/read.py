"""What query functions get: a read-only engine and the live generation of each read model."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import Engine, Table, select

from domain.shared.errors import ValidationError
from projections.engine import FAILED, TableRegistry, state_table

POLL_SECONDS = 0.002  # one indexed single-row read per poll: cheap, and short waits stay short


@dataclass
class ReadModels:
    engine: Engine
    registry: TableRegistry
    # Waiters share one reading of the projections' positions per poll, however many there
    # are: under load, a read per waiter per poll would itself be the load.
    _states: dict[str, tuple[int, str]] = field(default_factory=dict, init=False, repr=False)
    _states_at: float = field(default=0.0, init=False, repr=False)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False, repr=False)

    def tables(self, projection: str) -> dict[str, Table]:
        return self.registry.live(projection)

    def progress(self, names: Sequence[str], position: int) -> tuple[bool, bool]:
        """(every named projection has applied ``position``, one of them is stopped behind it).

        A stopped (failed) projection will not catch up by waiting: the reader gets what it
        has at once, marked as not consistent."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(state_table.c.position, state_table.c.state).where(
                    state_table.c.name.in_(names)
                )
            ).all()
        behind = [r for r in rows if r.position < position]
        reached = len(rows) == len(set(names)) and not behind
        return reached, any(r.state == FAILED for r in behind)

    def _read_states(self) -> dict[str, tuple[int, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(state_table.c.name, state_table.c.position, state_table.c.state)
            ).all()
        return {r.name: (r.position, r.state) for r in rows}

    async def _states_since(self, asked: float) -> dict[str, tuple[int, str]]:
        """The projections' states as read at or after ``asked`` (monotonic time): a reading
        another waiter started after that serves this one too."""
        loop = id(asyncio.get_running_loop())
        lock = self._locks.setdefault(loop, asyncio.Lock())
        async with lock:
            if self._states_at < asked:
                started = time.monotonic()
                self._states = await anyio.to_thread.run_sync(self._read_states)
                self._states_at = started
            return self._states

    async def wait_for_async(self, names: Sequence[str], position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        wanted = set(names)
        while True:
            states = await self._states_since(time.monotonic())
            behind = [states[n] for n in wanted if n in states and states[n][0] < position]
            if wanted <= states.keys() and not behind:
                return True
            if any(state == FAILED for _, state in behind) or time.monotonic() >= deadline:
                return False
            await anyio.sleep(POLL_SECONDS)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int, types: Sequence[Callable[[Any], Any]]) -> list[Any]:
    """Decode a cursor made by ``encode_cursor``; anything else is a 422 naming ``cursor``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError(cursor)
        return [convert(v) for convert, v in zip(types, values, strict=True)]
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("cursor", "is not a cursor this API returned") from None


def parse_dt(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
