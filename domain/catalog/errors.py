from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"


class SkuTakenError(ConflictError):
    code = "sku_taken"


class ProductStateError(ConflictError):
    """An invalid status transition; ``status`` names the product's current status."""

    code = "invalid_product_transition"
