"""Reading a recorded event: its own data apart from the envelope, and its command metadata.

The application stamps each event with the metadata of the command that wrote it under
``META_KEY``; aggregate replay ignores it (handlers take only their own parameters).
"""

from __future__ import annotations

from typing import Any

META_KEY = "_meta"
ENVELOPE_KEYS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", META_KEY}
)


def event_metadata(event: object) -> dict[str, Any]:
    """Who wrote the event and in which request (actor, correlation id, idempotency key, store)."""
    return dict(vars(event).get(META_KEY) or {})


def event_data(event: object) -> dict[str, Any]:
    """The event's own attributes, without the envelope every event has."""
    return {k: v for k, v in vars(event).items() if k not in ENVELOPE_KEYS}
