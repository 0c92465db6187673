"""Events are forever, and so is a whole log: one written by an earlier version of Orion
(``tests/golden/log/``, see ``make_log.py``) replays with today's code to the same aggregates
and the same read models, on SQLite and on PostgreSQL.

What the kept log said must still hold; what a later version adds (a new attribute of an
aggregate, a new column or table of a read model) is not compared. A class that moves keeps
its old topic registered, so the old events still decode and still reach the projections that
filter on their topics.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from pydantic import SecretStr
from sqlalchemy import DateTime, LargeBinary, Table, Uuid, delete

from adapters import vault
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from projections.shipping import queries as shipping
from tests.golden.compare import recorded_part
from tests.golden.make_log import LOG_DIR, plain, read_models

LOGS = sorted(LOG_DIR.glob("*.json.gz"))
# Read-model tables renamed since a log was kept: "projection.table" then -> now.
RENAMED: dict[str, str] = {}


def load(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as kept:
        log: dict[str, Any] = json.load(kept)
    return log


def stored(events: list[dict[str, Any]]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=UUID(e["originator_id"]),
            originator_version=e["originator_version"],
            topic=e["topic"],
            state=e["state"].encode("utf-8"),
        )
        for e in events
    ]


def restore_vault(orion: Orion, tables: dict[str, list[dict[str, Any]]]) -> None:
    """The personal-data keys as the kept log's version left them (its sealed values need
    them; the erased people's are gone)."""
    known: dict[str, Table] = dict(vault.metadata.tables)
    with orion.personal.engine.begin() as conn:
        for name, rows in tables.items():
            table = known[name]
            conn.execute(delete(table))
            if rows:
                conn.execute(table.insert(), [_typed(table, row) for row in rows])


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        kind = table.c[key].type
        if value is not None and isinstance(kind, LargeBinary):
            value = bytes.fromhex(value)
        elif value is not None and isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Uuid):
            value = UUID(value)
        out[key] = value
    return out


@pytest.fixture(params=LOGS, ids=[p.name.removesuffix(".json.gz") for p in LOGS])
def kept(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


@pytest.fixture
def replayed(settings: Settings, kept: dict[str, Any]) -> Iterator[Orion]:
    """An empty Orion (with the kept log's secret), given the kept log and its keys."""
    orion = bootstrap(settings.model_copy(update={"secret_key": SecretStr(kept["secret_key"])}))
    try:
        orion.app.recorder.insert_events(stored(kept["events"]))
        if kept["snapshots"] and orion.app.snapshots is not None:
            orion.app.snapshots.recorder.insert_events(stored(kept["snapshots"]))
        restore_vault(orion, kept["vault"])
        orion.projections.run_until_caught_up(timeout=300)
        yield orion
    finally:
        orion.close()


def test_a_kept_log_replays_to_the_same_aggregates(replayed: Orion, kept: dict[str, Any]) -> None:
    assert kept["aggregates"], "the kept log holds aggregates"
    for aggregate_id, expected in kept["aggregates"].items():
        state = replayed.app.repository.get(UUID(aggregate_id)).as_dict()  # type: ignore[attr-defined]
        assert recorded_part(state, expected) == expected, aggregate_id


def flat_key(row: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items() if not isinstance(v, dict)}, sort_keys=True)


def test_a_kept_log_projects_to_the_same_read_models(replayed: Orion, kept: dict[str, Any]) -> None:
    statuses = [replayed.projections.status(n) for n in replayed.projections.projections]
    assert [(s.name, s.error) for s in statuses if s.error] == []
    now = read_models(replayed)
    for then_name, then_rows in kept["read_models"].items():
        name = RENAMED.get(then_name, then_name)
        assert name in now, f"the read model {name} is gone"
        columns = {key for row in then_rows for key in row}
        rows = sorted(
            ({k: v for k, v in plain(row).items() if k in columns} for row in now[name]),
            key=flat_key,
        )
        # Paired by their flat columns: a nested value (an audit entry's event data) may have
        # gained keys since, as the events' upcasters give old events new fields.
        then_sorted = sorted(then_rows, key=flat_key)
        assert len(rows) == len(then_sorted), name
        for row, then_row in zip(rows, then_sorted, strict=True):
            assert recorded_part(row, then_row) == then_row, name


def test_a_kept_log_feeds_the_read_models_added_since(
    replayed: Orion, kept: dict[str, Any]
) -> None:
    """A read model added after the log was kept (shipping rates) is built from its events:
    each store's rates and version as its kept aggregate has them."""
    kept_rates = [a for a in kept["aggregates"].values() if a.get("type") == "ShippingRates"]
    assert kept_rates, "the kept log sets shipping rates"
    for aggregate in kept_rates:
        rows, version = shipping.list_rates(replayed.read, UUID(aggregate["store_id"]))
        assert version == aggregate["version"]
        found = {str(row.pop("rate_id")): row for row in rows}
        assert found.keys() == aggregate["rates"].keys()
        for rate_id, rate in aggregate["rates"].items():
            assert {key: found[rate_id][key] for key in rate} == rate
