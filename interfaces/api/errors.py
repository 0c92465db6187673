"""One place that turns errors into RFC 9457 ``application/problem+json`` answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.pools import CONNECTION_ERRORS, RETRY_AFTER_SECONDS, out_of_connections
from domain.shared.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    OrionError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    ValidationError,
)
from projections.errors import ReadModelNotReadyError

log = logging.getLogger("orion.api")
TYPE_BASE = "https://orion.dev/problems/"
PROBLEM = "application/problem+json"


STATUS_BY_ERROR: list[tuple[type[OrionError], int, str]] = [
    (ValidationError, 422, "Invalid input"),
    (NotFoundError, 404, "Not found"),
    (PreconditionFailedError, 412, "Precondition failed"),
    (ConflictError, 409, "Conflict"),
    (PermissionDeniedError, 403, "Forbidden"),
    (AuthenticationError, 401, "Authentication required"),
    (RateLimitedError, 429, "Too many requests"),
    (ReadModelNotReadyError, 503, "Read model not ready"),
]


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    # Extension members never overwrite the standard ones (an error field may be named "code");
    # a resource's own status (an order's, a product's) is answered as ``current_status``.
    for key, value in (extra or {}).items():
        if value is None:
            continue
        if key == "status":
            key = "current_status"
        body.setdefault(key, value)
    sent = dict(headers or {})
    if status == 401:
        sent.setdefault("WWW-Authenticate", "Bearer")
    if status == 429 and extra and extra.get("retry_after"):
        sent["Retry-After"] = str(extra["retry_after"])
    if status == 503:  # a read model being rebuilt: soon ready
        sent.setdefault("Retry-After", "1")
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=sent or None)


def invalid_body(message: str) -> JSONResponse:
    errors = [{"field": "body", "message": message}]
    return problem(422, "invalid_input", "Invalid input", f"body: {message}", {"errors": errors})


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or str(loc[0] if loc else "body")


def allowed_methods(request: Request) -> set[str]:
    """Every method some route answers on the request's path."""
    path = request.scope["path"]
    found: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex, methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and methods and regex.match(path):
            found |= set(methods)
    return found


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OrionError)
    async def _orion(request: Request, error: OrionError) -> JSONResponse:
        for cls, status, title in STATUS_BY_ERROR:
            if isinstance(error, cls):
                fields = {k: v for k, v in error.fields.items() if k != "field"}
                detail, errors = error.detail, None
                if isinstance(error, ValidationError):
                    errors = [{"field": error.field, "message": error.detail}]
                    detail = f"{error.field}: {error.detail}"  # as bad input's detail says
                return problem(
                    status,
                    error.code,
                    title,
                    detail,
                    {"errors": errors, **fields},
                    headers=getattr(request.state, "freshness", None),
                )
        log.error("unmapped domain error %r", error)
        return problem(500, "internal", "Internal error", "an unexpected error occurred")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                # A body that is not JSON at all: loc is ("body", <char offset>).
                "field": "body"
                if e.get("type") == "json_invalid"
                else _field_path(tuple(e.get("loc", ()))),
                "message": e.get("msg", "invalid"),
            }
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid_input", "Invalid input", detail, {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and isinstance(error.__cause__, ValueError):
            # FastAPI's answer to a JSON body it could not decode (bytes that are not UTF-8):
            # the same 422 as any other body that is not JSON.
            return invalid_body(f"is not valid JSON: {error.__cause__}")
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        # The exception's headers are part of the answer: a 405 says which methods are allowed.
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # Starlette names the methods of the first route on the path; the path has more.
            headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
        return problem(
            error.status_code,
            codes.get(error.status_code, f"http_{error.status_code}"),
            str(error.detail),
            str(error.detail),
            headers=headers,
        )

    @app.exception_handler(UnicodeEncodeError)
    async def _not_unicode(_: Request, error: UnicodeEncodeError) -> JSONResponse:
        # A JSON string may escape a lone surrogate ("\ud800"): no text can be stored from it,
        # and it failed before anything was written.
        detail = "text must be valid Unicode (no lone surrogate escapes)"
        errors = [{"field": "body", "message": detail}]
        return problem(422, "invalid_input", "Invalid input", detail, {"errors": errors})

    @app.exception_handler(Exception)
    async def _bug(_: Request, error: Exception) -> JSONResponse:
        # A 5xx is always a bug: log it with its traceback, never leak internals to the client.
        log.exception("unhandled error", exc_info=error)
        return problem(500, "internal", "Internal error", "an unexpected error occurred")

    install_unavailable_handler(app)


def install_unavailable_handler(app: FastAPI) -> None:
    """No database connection to be had (a pool's timeout, PostgreSQL full or out of reach)
    is overload, not a bug: 503 with Retry-After, counted by reason. Any other failure of
    these types is still a bug (500)."""

    async def _unavailable(request: Request, error: Exception) -> JSONResponse:
        reason = out_of_connections(error)
        if reason is None:
            log.exception("unhandled error", exc_info=error)
            return problem(500, "internal", "Internal error", "an unexpected error occurred")
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.database_unavailable.labels(reason).inc()
        log.warning("no database connection (%s): %s", reason, error)
        detail = "the service is busy; try again in a moment"
        answer = problem(503, "unavailable", "Service unavailable", detail, {"reason": reason})
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    for error_type in CONNECTION_ERRORS:
        app.add_exception_handler(error_type, _unavailable)
