"""What a follower reports: where it stands, how far behind, what stopped it, when it last moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.follower.state import aware
from projections.tracking import FAILED, READ_MODEL

# A follower behind the head whose oldest pending event is older than this, and whose position
# has not moved for as long, is stalled: nothing follows the log (no projector process, say), or
# its jobs cannot be queued. Long enough for a restart; short of the lag alerts' 5 minutes.
STALL_SECONDS = 60.0


@dataclass(frozen=True)
class FollowerStatus:
    name: str
    state: str  # "new", "running", "rebuilding" or "failed"
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    # The live generation of a read model's tables (None for a reaction: it has none).
    generation: int | None
    error: str | None
    error_position: int | None
    error_topic: str | None
    rebuild_position: int | None
    rebuild_error: str | None = None
    kind: str = READ_MODEL
    moved_at: datetime | None = None
    stalled: bool = False


def is_stalled(state: str, lag_seconds: float, moved_for: float | None) -> bool:
    """Behind for long and not moving, yet not failed (a failure says so itself).

    ``moved_for``: seconds since the position last moved (None: it never has)."""
    if state in ("new", FAILED) or lag_seconds <= STALL_SECONDS:
        return False
    return moved_for is None or moved_for > STALL_SECONDS


def new_status(name: str, kind: str, head: int) -> FollowerStatus:
    """A follower whose tracking row is not there yet (never set up)."""
    return FollowerStatus(name, "new", 0, head, head, 0.0, None, None, None, None, None, kind=kind)


def row_status(row: Any, kind: str, head: int, lag_seconds: float, at: datetime) -> FollowerStatus:
    """A follower's status from its tracking row, the head, and the age of what it has not
    handled yet (``lag_seconds``), as at ``at``."""
    moved_at = aware(row.moved_at) if row.moved_at is not None else None
    moved_for = (at - moved_at).total_seconds() if moved_at is not None else None
    return FollowerStatus(
        name=row.name,
        state=row.state,
        position=int(row.position),
        head=head,
        lag_events=max(0, head - int(row.position)),
        lag_seconds=round(lag_seconds, 3),
        generation=None,
        error=row.error,
        error_position=row.error_position,
        error_topic=row.error_topic,
        rebuild_position=None,
        kind=kind,
        moved_at=moved_at,
        stalled=is_stalled(row.state, lag_seconds, moved_for),
    )
