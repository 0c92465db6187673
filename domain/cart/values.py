"""The cart context's values: how many lines and units a cart may hold."""

from __future__ import annotations

from typing import Any

from domain.shared.checks import check_whole

MAX_LINES = 100
MAX_LINE_QUANTITY = 999


def check_line_quantity(quantity: Any, field: str = "quantity") -> int:
    return check_whole(quantity, field, low=1, high=MAX_LINE_QUANTITY)
