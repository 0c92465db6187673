"""The inventory context's values: quantities, adjustment reasons, location codes, and the
id of a cart's checkout hold."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from domain.shared.checks import check_whole

MAX_QUANTITY = 1_000_000
ADJUST_REASONS = ("count", "damage", "loss", "found", "correction")
LOCATION_CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")


def checkout_hold_id(cart_id: UUID) -> UUID:
    """The reservation id of a cart's checkout hold (one per cart)."""
    return uuid5(cart_id, "checkout-hold")


def check_quantity(quantity: int, field: str = "quantity", *, allow_zero: bool = False) -> int:
    return check_whole(quantity, field, low=0 if allow_zero else 1, high=MAX_QUANTITY)
