"""The base of every domain error. Subclasses carry a stable ``code`` and structured fields.

The API maps them in one place (``interfaces/api/errors.py``):
``ValidationError`` → 422, ``NotFoundError`` → 404, ``ConflictError`` → 409,
``PreconditionFailedError`` → 412, ``PermissionDeniedError`` → 403.
"""

from __future__ import annotations

from typing import Any


class OrionError(Exception):
    code = "orion_error"

    def __init__(self, detail: str, **fields: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class ValidationError(OrionError):
    """Input that breaks a rule of the model; ``field`` names the offending field."""

    code = "invalid_input"

    def __init__(self, field: str, detail: str, **fields: Any) -> None:
        super().__init__(detail, field=field, **fields)
        self.field = field


class NotFoundError(OrionError):
    code = "not_found"


class ConflictError(OrionError):
    """A broken business rule or a lost race (duplicate key, invalid transition)."""

    code = "conflict"


class PreconditionFailedError(OrionError):
    """An ``If-Match`` version that is no longer the aggregate's version."""

    code = "precondition_failed"


class PermissionDeniedError(OrionError):
    code = "permission_denied"


class AuthenticationError(OrionError):
    """Missing or invalid credentials (401). Says nothing of which part was wrong."""

    code = "unauthenticated"


class RateLimitedError(OrionError):
    """Too many attempts (429); ``retry_after`` is in seconds."""

    code = "rate_limited"
