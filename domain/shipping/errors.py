"""The shipping context's errors."""

from __future__ import annotations

from domain.shared.errors import NotFoundError


class ShippingRateNotFoundError(NotFoundError):
    code = "shipping_rate_not_found"
