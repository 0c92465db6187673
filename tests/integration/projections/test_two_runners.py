"""Two runners of the same projections (two projector processes, or the API's engine and a
catch-up) race for every batch: one applies it, the other loses cleanly, nothing fails."""

from __future__ import annotations

import threading

from adapters.follower import ReadModelFollower
from interfaces.bootstrap import Orion, all_projections
from projections.stores import queries as store_queries
from tests.integration.projections.helpers import fill


def _race(runner: ReadModelFollower, start: threading.Barrier) -> None:
    start.wait()
    runner.run_until_caught_up(timeout=120)


def test_two_runners_racing_never_fail_a_projection(orion: Orion) -> None:
    runners = [
        ReadModelFollower(
            recorder=orion.app.recorder,
            mapper=orion.app.mapper,
            engine=orion.projections.engine,
            projections=all_projections(orion.personal),
        )
        for _ in range(2)
    ]
    for runner in runners:
        runner.setup()
    for _ in range(5):
        fill(orion, 20, publish_every=2)
        start = threading.Barrier(2)

        threads = [threading.Thread(target=_race, args=(r, start)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    head = orion.platform.head()
    for name in runners[0].projections:
        status = runners[0].status(name)
        assert status.state == "running", (name, status.error)
        assert status.position == head, name
    rows, _ = store_queries.list_stores(orion.read, limit=200)
    assert len(rows) == len({r["code"] for r in rows})
