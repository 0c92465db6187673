"""Reads waiting for ``min_position`` are woken by the projections' commits, not by polling.

On PostgreSQL the engine announces each live batch's position with NOTIFY and API processes
listen (``Orion.hear_positions``); an engine in the same process tells the read side directly.
Either way a waiter reads the positions itself only now and then, in case an announcement is
lost or a projection has stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import anyio
import pytest

from interfaces.bootstrap import Orion
from projections import read as read_module
from tests.integration.projections.helpers import fill

WAIT_SECONDS = 0.4  # how long the projection takes to catch up in these tests


@pytest.fixture
def reads(orion: Orion, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """When the waiters read the projections' positions from the database."""
    seen: list[float] = []
    original = orion.read._read_states

    def counted() -> dict[str, tuple[int, str]]:
        seen.append(time.monotonic())
        return original()

    monkeypatch.setattr(orion.read, "_read_states", counted)
    yield seen


def _announce(orion: Orion, stop: threading.Event) -> None:
    """What a running API process does: hear positions by NOTIFY on PostgreSQL, or from the
    engine itself when it runs in this process (the embedded SQLite default)."""
    if orion.settings.is_sqlite:
        orion.projections.on_position = orion.read.heard
        orion.read.announced = True
        return
    orion.hear_positions(stop)
    deadline = time.monotonic() + 10
    while not orion.read.announced:
        assert time.monotonic() < deadline, "the listener did not connect"
        time.sleep(0.01)


def _catch_up_later(orion: Orion, done: list[float] | None = None) -> threading.Thread:
    """Catch the catalog up after ``WAIT_SECONDS``; ``done`` gets the moment it had."""

    def run() -> None:
        time.sleep(WAIT_SECONDS)
        orion.projections.run_until_caught_up(["catalog"], timeout=30)
        if done is not None:
            done.append(time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait(orion: Orion, position: int) -> tuple[bool, float]:
    async def waiting() -> tuple[bool, float]:
        started = time.monotonic()
        reached = await orion.read.wait_for_async(["catalog"], position, timeout=10)
        return reached, time.monotonic() - started

    return anyio.run(waiting)


def test_a_waiting_read_wakes_when_the_projection_commits(
    orion: Orion, reads: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rechecks rare enough that only being told can explain a prompt answer.
    monkeypatch.setattr(read_module, "HEARD_RECHECK_SECONDS", 5.0)
    stop = threading.Event()
    try:
        _announce(orion, stop)
        fill(orion, 3)
        head = orion.platform.head()
        catching_up = _catch_up_later(orion)
        reached, waited = _wait(orion, head)
        catching_up.join()
    finally:
        stop.set()
    assert reached
    assert waited < 2 * WAIT_SECONDS  # woken by the commit, long before a recheck
    # One look when the wait starts; polling every few milliseconds would be a hundred.
    assert len(reads) <= 1


def test_a_lost_announcement_only_delays_the_read(orion: Orion, reads: list[float]) -> None:
    orion.read.announced = True  # the listener is up, but this commit's NOTIFY never comes
    fill(orion, 3)
    head = orion.platform.head()
    catching_up = _catch_up_later(orion)
    reached, waited = _wait(orion, head)
    catching_up.join()
    assert reached
    assert waited < WAIT_SECONDS + 3 * read_module.HEARD_RECHECK_SECONDS


def test_without_announcements_a_waiting_read_polls(orion: Orion, reads: list[float]) -> None:
    assert not orion.read.announced  # nothing listens: the engine runs elsewhere, say
    fill(orion, 3)
    head = orion.platform.head()
    done: list[float] = []
    catching_up = _catch_up_later(orion, done)
    reached, _ = _wait(orion, head)
    answered = time.monotonic()
    catching_up.join()
    assert reached
    # Answered soon after the projection caught up (which may take a while on a busy machine),
    # having looked many times meanwhile: it polled.
    assert answered - done[0] < 0.2
    assert len(reads) >= 10


def test_one_announcement_can_name_several_projections(orion: Orion, reads: list[float]) -> None:
    orion.read.announced = True
    fill(orion, 1)
    head = orion.platform.head()  # not applied by anything yet: only the announcement says so
    orion.read.heard_payload(f"catalog,stores:{head}")

    async def waiting() -> bool:
        return await orion.read.wait_for_async(["catalog", "stores"], head, timeout=5)

    assert anyio.run(waiting)
    assert reads == []  # answered from what it was told
