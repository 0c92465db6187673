"""Exactly once: SIGKILL the projection process mid-batch, restart, compare with a rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from interfaces.bootstrap import Orion
from tests.integration.projections.helpers import dump_all, fill, rebuild_all

pytestmark = pytest.mark.slow


def _runner(database_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ORION_DATABASE_URL": database_url, "ORION_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "projections", "run", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_mid_batch_then_restart_matches_a_clean_rebuild(
    orion: Orion, database_url: str
) -> None:
    fill(orion, 1500)  # about 3,750 events: several batches of 1,000
    head = orion.platform.head()
    positions_at_kill = []
    for delay in (0.6, 0.9, 1.2):
        runner = _runner(database_url)
        time.sleep(delay)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
        positions_at_kill.append(
            {n: orion.projections.status(n).position for n in orion.projections.projections}
        )
    # At least one kill landed before every projection had finished: it interrupted work.
    assert any(min(p.values()) < head for p in positions_at_kill), positions_at_kill

    finish = _runner(database_url, "--once")
    assert finish.wait(timeout=300) == 0, finish.stderr.read() if finish.stderr else ""
    for name in orion.projections.projections:
        status = orion.projections.status(name)
        assert status.state == "running" and status.position == head, status

    after_crashes = dump_all(orion)
    rebuild_all(orion)
    assert dump_all(orion) == after_crashes
    assert len(after_crashes["audit_log"]["events"]) == head
    assert len(after_crashes["catalog"]["products"]) == 1500
