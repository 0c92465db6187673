"""The cart context's errors."""

from __future__ import annotations

from domain.shared.errors import NotFoundError


class CartLineNotFoundError(NotFoundError):
    code = "cart_line_not_found"
