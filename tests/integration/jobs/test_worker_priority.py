"""`orion worker` yields the CPU to requests: it lowers its own priority (ORION_WORKER_NICE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("setting", "lowered_by"), [(None, 10), ("7", 7), ("0", 0)])
def test_the_worker_lowers_its_cpu_priority(
    redis_url: str, tmp_path: Path, setting: str | None, lowered_by: int
) -> None:
    # A database of its own: the burst must find no queued job of another test.
    own_db = urlunsplit(urlsplit(redis_url)._replace(path="/15"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORION_")}
    env.update(
        PYTHONPATH=str(REPO),
        ORION_DATABASE_URL=f"sqlite:///{tmp_path}/orion.db",
        ORION_REDIS_URL=own_db,
        ORION_MAIL_OUTBOX=str(tmp_path / "outbox"),
        ORION_SECRET_KEY_FILE=str(tmp_path / "secret.key"),
    )
    if setting is not None:
        env["ORION_WORKER_NICE"] = setting
    done = subprocess.run(
        [sys.executable, "-c", "from interfaces.cli import main; main()", "worker", "--burst"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = min(os.nice(0) + lowered_by, 19)  # the child starts at ours
    assert f"CPU priority nice {expected}\n" in done.stdout
