"""Writes ``tests/golden/log/*.json.gz``: a whole log as some version of Orion wrote it.

The log of ``tests/integration/projections/history.py`` (every event type, two stores, orders
through every transition, an erasure) is written through the use cases on SQLite, then kept
with what that version made of it: every aggregate's state, every read model's rows, and the
personal-data keys its sealed values need. ``test_log_replay.py`` replays the kept log with
today's code and must find the same. Run once per version worth keeping, never to "fix" a
failing replay:

    .venv/bin/python -m tests.golden.make_log NAME
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import SecretStr
from sqlalchemy import MetaData, select

from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.integration.projections.history import MovableClock, write_history

LOG_DIR = Path(__file__).parent / "log"
SECRET_KEY = "golden-log-secret-key-0123456789abcdef"  # a test fixture's key, nothing else's
EVERYTHING = 10_000_000


def plain(value: Any) -> Any:
    """A read-model value as JSON, the same whichever backend read it."""
    from datetime import UTC, date, datetime

    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def read_models(orion: Orion) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of every projection, keyed ``projection.table``."""
    out: dict[str, list[dict[str, Any]]] = {}
    engine = orion.projections
    generations = {name: engine.status(name).generation for name in engine.projections}
    with orion.read.engine.connect() as conn:
        for name, generation in generations.items():
            for key, table in engine.registry.tables(name, generation).items():
                rows = [plain(dict(r._mapping)) for r in conn.execute(select(table))]
                out[f"{name}.{key}"] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    return out


def vault_rows(orion: Orion) -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(orion.personal.engine)
    out = {}
    with orion.personal.engine.connect() as conn:
        for name, table in metadata.tables.items():
            if name.startswith(("orion_personal", "orion_erasure")):
                out[name] = [plain(dict(r._mapping)) for r in conn.execute(select(table))]
    return out


def record(name: str) -> Path:
    folder = Path(tempfile.mkdtemp())
    settings = Settings(
        database_url=f"sqlite:///{folder}/orion.db",
        admin_token="golden-log-admin-token",
        redis_url=None,
        secret_key=SecretStr(SECRET_KEY),
        mail_outbox=str(folder / "outbox"),
    )
    clock = MovableClock()
    orion = bootstrap(settings, clock=clock)
    try:
        write_history(orion, clock, settle=orion.projections.run_once)
        orion.projections.run_until_caught_up(timeout=600)
        notifications = orion.app.recorder.select_notifications(1, EVERYTHING)
        ids = list(dict.fromkeys(n.originator_id for n in notifications))
        snapshots = []
        if orion.app.snapshots is not None:
            for originator_id in ids:
                snapshots.extend(orion.app.snapshots.recorder.select_events(originator_id))
        log = {
            "recorded_with": subprocess.run(
                ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
            ).stdout.strip(),
            "secret_key": SECRET_KEY,
            "events": [
                {
                    "originator_id": str(n.originator_id),
                    "originator_version": n.originator_version,
                    "topic": n.topic,
                    "state": n.state.decode("utf-8"),
                }
                for n in notifications
            ],
            "snapshots": [
                {
                    "originator_id": str(s.originator_id),
                    "originator_version": s.originator_version,
                    "topic": s.topic,
                    "state": s.state.decode("utf-8"),
                }
                for s in snapshots
            ],
            "aggregates": {
                str(i): orion.app.repository.get(i).as_dict()  # type: ignore[attr-defined]
                for i in ids
            },
            "read_models": read_models(orion),
            "vault": vault_rows(orion),
        }
    finally:
        orion.close()
    LOG_DIR.mkdir(exist_ok=True)
    path = LOG_DIR / f"{name}.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        json.dump(log, out, sort_keys=True, indent=0)
    return path


if __name__ == "__main__":
    print(record(sys.argv[1] if len(sys.argv) > 1 else "log"))
