"""The orders context's errors."""

from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError


class OrderStateError(ConflictError):
    code = "invalid_transition"


class OrderNotFoundError(NotFoundError):
    code = "order_not_found"
