from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError


class StoreNotFoundError(NotFoundError):
    code = "store_not_found"


class StoreCodeTakenError(ConflictError):
    code = "store_code_taken"


class StoreStateError(ConflictError):
    code = "invalid_store_transition"
