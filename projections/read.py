"""What query functions get: a read-only engine and the live generation of each read model."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import anyio
from sqlalchemy import Engine, Table, select

from domain.shared.errors import ValidationError
from projections.tracking import FAILED, READ_MODEL, TableRegistry, state_table

POLL_SECONDS = 0.002  # one indexed single-row read per poll: cheap, and short waits stay short
# When projections announce their positions (``heard``), waiters sleep until told, and read
# the positions themselves only this often: a lost announcement, or a projection that failed.
HEARD_RECHECK_SECONDS = 0.1


def _nobody(subjects: Iterable[UUID]) -> set[UUID]:
    return set()


@dataclass
class ReadModels:
    engine: Engine
    registry: TableRegistry
    # Which of some people were erased, asked of the personal-data vault at query time: a read
    # model blanks a person only once it applies the erasure's event (``projections.erasure``).
    erased: Callable[[Iterable[UUID]], set[UUID]] = _nobody
    # Waiters share one reading of the projections' positions per poll, however many there
    # are: under load, a read per waiter per poll would itself be the load.
    _states: dict[str, tuple[int, str]] = field(default_factory=dict, init=False, repr=False)
    _states_at: float = field(default=0.0, init=False, repr=False)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False, repr=False)
    # True while something calls ``heard`` for every committed position (the PostgreSQL
    # listener, or the engine running in this process); waiters then need no polling.
    announced: bool = field(default=False, init=False)
    _heard: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _changed: dict[asyncio.AbstractEventLoop, asyncio.Event] = field(
        default_factory=dict, init=False, repr=False
    )

    def tables(self, projection: str) -> dict[str, Table]:
        return self.registry.live(projection)

    def progress(self, names: Sequence[str], position: int) -> tuple[bool, bool]:
        """(every named projection has applied ``position``, one of them is stopped behind it).

        A stopped (failed) projection will not catch up by waiting: the reader gets what it
        has at once, marked as not consistent."""
        read_at = time.monotonic()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    state_table.c.name,
                    state_table.c.position,
                    state_table.c.state,
                    state_table.c.generation,
                ).where(state_table.c.name.in_(names))
            ).all()
        for r in rows:
            self.registry.set_live(r.name, r.generation, read_at=read_at)
        behind = [r for r in rows if r.position < position]
        reached = len(rows) == len(set(names)) and not behind
        return reached, any(r.state == FAILED for r in behind)

    # -- being told ----------------------------------------------------------------------------

    def heard(self, name: str, position: int) -> None:
        """A projection committed ``position`` (called from any thread): wake the waiters."""
        self._note(name, position)
        self._wake()

    def _note(self, name: str, position: int) -> None:
        if position > self._heard.get(name, -1):
            self._heard[name] = position

    def _wake(self) -> None:
        for loop in list(self._changed):
            try:
                loop.call_soon_threadsafe(self._fire, loop)
            except RuntimeError:  # that loop is closed
                self._changed.pop(loop, None)

    def heard_payload(self, payload: str) -> None:
        """``heard`` for a NOTIFY payload, ``"<projection>[,<projection>…]:<position>"``, or
        ``"<projection>@<generation>:<position>"`` when a rebuilt generation was swapped in."""
        names, _, position = payload.rpartition(":")
        if names and position.isdigit():
            for name in names.split(","):
                name, _, generation = name.partition("@")
                if generation.isdigit():
                    self.registry.set_live(name, int(generation))
                self._note(name, int(position))
            self._wake()

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        fired = self._changed.get(loop)
        self._changed[loop] = asyncio.Event()
        if fired is not None:
            fired.set()

    def _change(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        event = self._changed.get(loop)
        if event is None:
            event = self._changed[loop] = asyncio.Event()
        return event

    # -- reading positions ---------------------------------------------------------------------

    def _read_states(self) -> dict[str, tuple[int, str]]:
        read_at = time.monotonic()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    state_table.c.name,
                    state_table.c.position,
                    state_table.c.state,
                    state_table.c.generation,
                ).where(state_table.c.kind == READ_MODEL)  # (reactions may share the table)
            ).all()
        # Waiting for a position tells the live generations too: a reader waiting for its own
        # write just after a swap reads the tables that hold it.
        for r in rows:
            self.registry.set_live(r.name, r.generation, read_at=read_at)
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
        read_at = -HEARD_RECHECK_SECONDS  # the first pass reads, unless already told
        while True:
            # Taken before looking, so an announcement made meanwhile is not missed.
            changed = self._change()
            told = self.announced
            if told and all(self._heard.get(n, -1) >= position for n in wanted):
                return True
            now = time.monotonic()
            if not told or now - read_at >= HEARD_RECHECK_SECONDS:
                read_at = now
                states = await self._states_since(now)
                behind = [states[n] for n in wanted if n in states and states[n][0] < position]
                if wanted <= states.keys() and not behind:
                    return True
                if any(state == FAILED for _, state in behind):
                    return False
            if now >= deadline:
                return False
            if told:
                wait = min(read_at + HEARD_RECHECK_SECONDS, deadline) - now
                with anyio.move_on_after(max(wait, 0.0)):
                    await changed.wait()
            else:
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
