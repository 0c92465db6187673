"""On PostgreSQL the shared projector thread steps at most every ``gather_seconds`` under a
stream of commands: what arrives meanwhile is applied in one batch (one transaction per
projection), while the first event after a quiet spell is applied at once. SQLite does not
gather."""

from __future__ import annotations

from interfaces.bootstrap import Orion
from tests.builders import wait_for
from tests.integration.projections.helpers import fill


def test_events_arriving_between_steps_are_applied_together(orion: Orion) -> None:
    engine = orion.projections
    engine.run_until_caught_up(timeout=30)
    committed: list[int] = []
    engine.on_position = lambda name, position: name == "stores" and committed.append(position)
    engine.gather_seconds = 2.0
    engine.start()
    try:
        fill(orion, 0)  # a store: after a quiet spell, taken at once
        first = orion.platform.head()
        wait_for(lambda: first in committed, timeout=1.0)
        fill(orion, 0), fill(orion, 0)  # two more, well within the 2 s after that step
        last = orion.platform.head()
        if orion.settings.is_sqlite:
            # No gathering there (order numbers share the thread): applied without waiting.
            wait_for(lambda: last in committed, timeout=1.0)
        else:
            wait_for(lambda: last in committed)
    finally:
        engine.stop()
    if not orion.settings.is_sqlite:
        # Nothing in between: the two stores came in one batch, not one batch each.
        assert committed == [first, last]
