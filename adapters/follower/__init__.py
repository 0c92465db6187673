"""The follower of the event log, and its two kinds of handler: read models and reactions.

``loop`` follows the log (positions, shared batches, failure isolation, status) on the
``threads`` it starts; ``read_models`` and ``generations`` apply batches to read models exactly
once and rebuild them; ``reactions`` queues the jobs reactions ask for, at least once,
deduplicated by job id; ``status`` is what operators see.
"""

from adapters.follower.handlers import NotRebuildableError
from adapters.follower.loop import Follower
from adapters.follower.reactions import ReactionFollower
from adapters.follower.read_models import ReadModelFollower
from adapters.follower.status import FollowerStatus

__all__ = [
    "Follower",
    "FollowerStatus",
    "NotRebuildableError",
    "ReactionFollower",
    "ReadModelFollower",
]
