"""Projections that follow the log together share its reading, and those with nothing to do
in a batch move past it together: one query and one transaction, not one per projection."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from application.context import CommandContext
from interfaces.bootstrap import Orion
from tests.builders import random_code, variant
from tests.integration.projections.helpers import dump_all, fill, rebuild_all


def _catch_up(orion: Orion) -> None:
    orion.projections.run_until_caught_up(timeout=60)


def test_one_read_and_one_shared_commit_for_a_batch(
    orion: Orion, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = CommandContext(actor="test")
    store = orion.stores.register(
        ctx, code=random_code(), name="Shared", country="LU", currency="EUR", locale="en"
    )
    fill(orion, 2)
    _catch_up(orion)
    # A product only: the catalog, the storefront search and the audit log have work.
    orion.catalog.create_product(ctx, store.id, title="Lone", variants=[variant(amount=500)])
    reads: list[Any] = []
    original = orion.app.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("topics"))
        return original(*args, **kwargs)

    monkeypatch.setattr(orion.app.recorder, "select_notifications", counted)
    commits: list[int] = []

    def committed(_conn: Any) -> None:
        commits.append(1)

    engine = orion.projections.engine
    event.listen(engine, "commit", committed)
    try:
        orion.projections.run_once()
    finally:
        event.remove(engine, "commit", committed)
    head = orion.platform.head()
    for name in orion.projections.projections:
        assert orion.projections.status(name).position == head, name
    assert reads == [()]  # one read, no topic filter, for every projection
    busy = {"catalog", "storefront_search", "audit_log"}
    # Each busy projection commits its own batch; the quiet ones move on together.
    assert len(commits) == len(busy) + 1


def test_shared_batches_build_the_same_read_models_as_a_rebuild(orion: Orion) -> None:
    for _ in range(3):
        fill(orion, 4)
        orion.projections.run_once()  # a live step at a time, sharing reads where it can
    _catch_up(orion)
    live = dump_all(orion)
    rebuild_all(orion)  # rebuilds read per projection, never shared
    assert dump_all(orion) == live
