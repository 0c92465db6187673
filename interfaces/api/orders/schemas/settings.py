"""Bodies and answers of a store's commerce settings: how long checkout holds stock, and how
long an order waits for its payment. The limits are the domain's (``LIMITS``)."""

from __future__ import annotations

from pydantic import BaseModel

from domain.orders.values import LIMITS
from interfaces.api.common import Omittable, StrictModel


class CommerceSettingsPublic(BaseModel):
    checkout_hold_minutes: int
    payment_timeout_hours: int


class CommerceSettingsChange(StrictModel):
    """The settings to change (at least one); a member left out is kept."""

    checkout_hold_minutes: int = Omittable(
        ge=LIMITS["checkout_hold_minutes"][0], le=LIMITS["checkout_hold_minutes"][1]
    )
    payment_timeout_hours: int = Omittable(
        ge=LIMITS["payment_timeout_hours"][0], le=LIMITS["payment_timeout_hours"][1]
    )
