"""The admin API's answers: where each follower of the log stands, and a rebuild started."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ProjectionStatusPublic(BaseModel):
    """Where a follower of the log stands (a read model, or a reaction that queues jobs): its
    position, its lag, what stopped it, and when it last moved."""

    name: str
    kind: Literal["read_model", "reaction"] = Field(
        description="a read model (its tables can be rebuilt) or a reaction (it queues jobs)"
    )
    state: str = Field(description="new, running, rebuilding or failed")
    position: int
    head: int
    lag_events: int
    lag_seconds: float = Field(description="the age of the oldest event not yet handled")
    generation: int | None = Field(
        description="the live generation of a read model's tables (null for a reaction)"
    )
    error: str | None
    error_position: int | None
    error_topic: str | None
    rebuild_position: int | None
    rebuild_error: str | None = None
    moved_at: datetime | None = Field(
        default=None, description="when the position last moved (null: it never has)"
    )
    stalled: bool = Field(
        default=False,
        description=(
            "behind the head for a while and not moving, yet not failed: nothing follows the "
            "log (is `orion projections run` running?), or a reaction cannot queue its jobs"
        ),
    )


class ProjectionList(BaseModel):
    items: list[ProjectionStatusPublic]


class RebuildStarted(BaseModel):
    projection: str
    generation: int
    state: Literal["rebuilding"]
