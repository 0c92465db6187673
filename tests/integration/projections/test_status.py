"""What operators see of the log's followers: read models and reactions side by side, when each
last moved, and which are stalled (behind and not moving, with nothing to say why)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.integration.projections.helpers import fill
from tests.integration.projections.history import MovableClock

PROJECTIONS = "/api/v1/admin/projections"
REACTIONS = {"identity-mails", "order-mails", "invoice-jobs"}


@pytest.fixture
def admin(client: TestClient, admin_headers: dict[str, str]) -> Iterator[Any]:
    def call(method: str, path: str) -> Any:
        return client.request(method, f"{PROJECTIONS}{path}", headers=admin_headers)

    yield call


def test_the_admin_api_shows_read_models_and_reactions(orion: Orion, admin: Any) -> None:
    fill(orion, 2)
    for follower in orion.followers:
        follower.run_until_caught_up(timeout=60)
    items = {p["name"]: p for p in admin("GET", "").json()["items"]}
    kinds = {name: item["kind"] for name, item in items.items()}
    assert {n for n, kind in kinds.items() if kind == "reaction"} == REACTIONS
    assert {n for n, kind in kinds.items() if kind == "read_model"} == set(
        orion.projections.projections
    )
    head = orion.platform.head()
    for item in items.values():
        assert (item["state"], item["position"], item["stalled"]) == ("running", head, False)
    assert items["catalog"]["generation"] == 1 and items["catalog"]["moved_at"] is not None
    reaction = admin("GET", "/order-mails").json()
    assert (reaction["kind"], reaction["generation"], reaction["position"]) == (
        "reaction",
        None,
        head,
    )


def test_a_reaction_is_not_rebuilt_but_can_be_resumed(orion: Orion, admin: Any) -> None:
    before = orion.reactions.status("identity-mails")
    refused = admin("POST", "/identity-mails/rebuild")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "no tables to rebuild" in refused.json()["detail"]
    assert orion.reactions.status("identity-mails") == before  # nothing changed
    resumed = admin("POST", "/identity-mails/resume")
    assert resumed.status_code == 202, resumed.text
    assert (resumed.json()["kind"], resumed.json()["state"]) == ("reaction", "running")
    assert admin("POST", "/no-such-follower/resume").status_code == 404


@pytest.fixture
def clocked(settings: Settings) -> Iterator[Orion]:
    """An Orion whose events are two months old: a follower behind them is long overdue."""
    instance = bootstrap(settings, clock=MovableClock())
    try:
        yield instance
    finally:
        instance.close()


def _sample(metrics: str, name: str, label: str, value: str) -> float:
    found = re.search(rf'^{re.escape(name)}{{{label}="{re.escape(value)}"}} (\S+)$', metrics, re.M)
    assert found, f"no {name} sample for {label}={value!r}"
    return float(found.group(1))


def test_nothing_following_the_log_is_reported_stalled_until_it_moves(clocked: Orion) -> None:
    """Status said "running" while no process followed the log at all: now it says stalled,
    and when each follower last moved (never, here)."""
    orion = clocked
    fill(orion, 1)  # events, and no projector to follow them
    with TestClient(create_app(orion, run_projections=False)) as api:
        stalled = {s.name: s for s in orion.follower_statuses()}
        assert all(s.stalled and s.state == "running" for s in stalled.values()), stalled
        assert stalled["catalog"].moved_at is None and stalled["catalog"].lag_events > 0
        metrics = api.get("/metrics").text
        assert _sample(metrics, "orion_projection_stalled", "projection", "catalog") == 1
        assert _sample(metrics, "orion_reaction_stalled", "reaction", "order-mails") == 1
        assert _sample(metrics, "orion_reaction_lag_events", "reaction", "order-mails") > 0

        for follower in orion.followers:
            follower.run_until_caught_up(timeout=60)
        moved = {s.name: s for s in orion.follower_statuses()}
        assert not any(s.stalled for s in moved.values()), moved
        assert moved["catalog"].moved_at is not None
        metrics = api.get("/metrics").text
        assert _sample(metrics, "orion_projection_stalled", "projection", "catalog") == 0
        assert _sample(metrics, "orion_reaction_lag_events", "reaction", "order-mails") == 0

        # An old event arriving now is not a stall: the followers moved a moment ago.
        fill(orion, 0)
        assert not any(s.stalled for s in orion.follower_statuses())
