"""The ``orion`` command line against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from interfaces.bootstrap import Orion, bootstrap
from interfaces.cli import cli, redact_url
from interfaces.settings import Settings
from tests.integration.projections.helpers import fill
from tests.integration.projections.history import MovableClock


@pytest.fixture
def run(orion: Orion, database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ORION_DATABASE_URL", database_url)
    monkeypatch.setenv("ORION_LOG_LEVEL", "WARNING")
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_demo_projections_and_events(run, orion: Orion) -> None:  # type: ignore[no-untyped-def]
    assert "2 stores" in run("demo", "load")
    assert "0 stores" in run("demo", "load")  # loading twice changes nothing
    run("projections", "run", "--once")
    status = run("projections", "status")
    head = orion.platform.head()
    for name in ("stores", "catalog", "storefront_search", "audit_log"):
        assert f"{name}" in status and f"head {head}" in status
    assert "lag 0 events" in status

    lines = [
        json.loads(line)
        for line in run("events", "tail", "--no-follow", "--last", "3").splitlines()
    ]
    assert [line["position"] for line in lines] == [head - 2, head - 1, head]
    assert lines[-1]["meta"]["actor"] == "system:demo"

    rebuilt = run("projections", "rebuild", "storefront_search")
    assert "generation 2 live" in rebuilt
    assert orion.projections.status("storefront_search").generation == 2


def test_events_show_history_and_state(run, orion: Orion) -> None:  # type: ignore[no-untyped-def]
    fill(orion, 1, publish_every=1)
    event = orion.app.recorder.select_notifications(2, 1)[0]  # the product's creation
    shown = run("events", "show", str(event.originator_id), "--version", "1")
    state = json.loads(shown[shown.index('{\n  "state"') :])["state"]
    assert state["status"] == "draft" and state["version"] == 1
    now = run("events", "show", str(event.originator_id))
    assert '"status": "published"' in now


def test_redact_url_hides_passwords() -> None:
    assert (
        redact_url("postgresql://orion:s3cret@db:5432/orion")
        == "postgresql://orion:***@db:5432/orion"
    )
    assert redact_url("sqlite:///./var/orion.db") == "sqlite:///./var/orion.db"


def test_start_up_objects_leave_the_collectors_sight() -> None:
    """`orion serve`, `projections run` and `worker` call this once set up: the objects made so
    far are no longer walked by every full collection (a pause under load, measured)."""
    import gc

    from interfaces.bootstrap import freeze_start_up_objects

    gc.unfreeze()
    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() > 10_000  # the modules, routes and schemas loaded so far
    finally:
        gc.unfreeze()


def test_status_shows_both_kinds_of_follower_and_a_stall(  # type: ignore[no-untyped-def]
    run, settings: Settings
) -> None:
    """A newcomer saw "running" with nothing following the log: the line now says stalled,
    and when the position last moved."""
    clocked = bootstrap(settings, clock=MovableClock())  # its events are two months old
    try:
        fill(clocked, 1)
    finally:
        clocked.close()
    lines = {line.split()[0]: line for line in run("projections", "status").splitlines()}
    assert "read model stalled" in lines["catalog"] and "moved never" in lines["catalog"]
    assert "reaction   stalled" in lines["order-mails"]
    assert "is `orion projections run` running?" in run("projections", "status")

    run("projections", "run", "--once")
    lines = {line.split()[0]: line for line in run("projections", "status").splitlines()}
    assert "read model running" in lines["catalog"] and "ago" in lines["catalog"]
    assert "reaction   running" in lines["identity-mails"]
    assert "stalled" not in run("projections", "status")


def test_a_reaction_is_resumed_not_rebuilt(run, orion: Orion) -> None:  # type: ignore[no-untyped-def]
    refused = CliRunner().invoke(cli, ["projections", "rebuild", "order-mails"])
    assert refused.exit_code == 2 and "no tables to rebuild" in refused.output
    assert "order-mails: running" in run("projections", "resume", "order-mails")
    unknown = CliRunner().invoke(cli, ["projections", "resume", "no-such-follower"])
    assert unknown.exit_code == 2 and "identity-mails" in unknown.output
