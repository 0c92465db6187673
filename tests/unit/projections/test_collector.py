"""The collector a batch pauses: it collects young cycles only once they pile up."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from adapters.follower import batches


def _cycles(n: int) -> None:
    for _ in range(n):
        a: dict[str, Any] = {}
        a["self"] = a  # unreachable once the loop moves on, freed only by the collector


def test_young_cycles_are_collected_once_they_pile_up_not_after_every_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batches, "YOUNG_OBJECTS_TO_COLLECT", 1_000)
    started: list[int] = []

    def heard(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    with batches.gc_paused:
        gc.collect()
        gc.callbacks.append(heard)
        try:
            _cycles(10)
            batches.gc_paused.collect_young()
            assert started == []
            _cycles(2_000)
            batches.gc_paused.collect_young()
            assert started == [1]
            assert gc.get_count()[0] < 1_000
        finally:
            gc.callbacks.remove(heard)
