from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError


class StockItemNotFoundError(NotFoundError):
    code = "stock_item_not_found"


class LocationNotFoundError(NotFoundError):
    code = "location_not_found"


class InsufficientStockError(ConflictError):
    """Not enough available: says how many are."""

    code = "insufficient_stock"


class ReservationError(ConflictError):
    code = "reservation_error"
