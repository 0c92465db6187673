"""How a replayed state is held against the state a kept sample or log recorded."""

from __future__ import annotations

from typing import Any

MISSING = object()


def recorded_part(state: Any, expected: Any) -> Any:
    """``state`` cut down to what ``expected`` names, at every depth of nested mappings: an
    aggregate may gain attributes later (an upcaster gives old events a default), at any depth
    (a cart's line gains its tax category), but what the old events said must still hold."""
    if isinstance(state, dict) and isinstance(expected, dict):
        return {
            key: recorded_part(state.get(key, MISSING), value) for key, value in expected.items()
        }
    return state
