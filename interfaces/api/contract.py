"""The OpenAPI document as a contract: every operation declares the problem+json errors it can
answer, derived from what the route is made of, so that the document cannot drift from the code.

A route's errors come from:
- its inputs: any parameter or body can be refused (422), a path names a resource (404);
- the dependencies it runs, and the endpoint itself, marked with ``raises`` where they refuse
  (``require_admin``: 401 and 403; ``store_permission``: 401, 403 and 404; ``If-Match``: 412);
- what every write can meet: a broken business rule or a lost race (409);
- what every API route can meet: a read model being rebuilt or no database connection (503).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

PROBLEM = "application/problem+json"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MARK = "__orion_raises__"
_REF = "#/components/schemas/{model}"
F = TypeVar("F", bound=Callable[..., Any])


class FieldError(BaseModel):
    field: str = Field(
        description="the offending field: a body member (a.b[0].c), a query parameter or a header"
    )
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem. Extension members may follow (``available``, ``current_status``,
    ``retry_after``, the ids involved); ``errors`` names each refused field (422)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://orion.dev/problems/invalid_input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "variants[0].price.currency: 'EURO' is not an ISO 4217 currency code",
                    "errors": [
                        {
                            "field": "variants[0].price.currency",
                            "message": "'EURO' is not an ISO 4217 currency code",
                        }
                    ],
                }
            ]
        },
    )

    type: str = Field(json_schema_extra={"format": "uri"})
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[FieldError] = Field(default_factory=list, min_length=1)


def raises(*statuses: int, unsafe: tuple[int, ...] = ()) -> Callable[[F], F]:
    """Marks a dependency or an endpoint with the error statuses it answers; ``unsafe`` ones
    only on POST, PUT, PATCH and DELETE (a cookie session's CSRF check)."""

    def mark(func: F) -> F:
        setattr(func, _MARK, (frozenset(statuses), frozenset(unsafe)))
        return func

    return mark


_TOKEN = "_orion_token"


def takes_token(func: F) -> F:
    """Marks the dependency that reads the caller's bearer token (or its cookie): operations
    that use it say so in the document (``security``), so that the docs can send one."""
    setattr(func, _TOKEN, getattr(func, _TOKEN, False))
    return func


def requires_token(func: F) -> F:
    """Marks a guard that refuses a caller without a token (401): the token is required."""
    setattr(func, _TOKEN, True)
    return func


def security(dependant: Dependant) -> list[dict[str, list[str]]] | None:
    """The operation's ``security``: a bearer token required, optional, or not taken."""
    marks = [getattr(c, _TOKEN) for c in _calls(dependant) if hasattr(c, _TOKEN)]
    if not marks:
        return None
    return [{BEARER: []}] if any(marks) else [{BEARER: []}, {}]


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _has_inputs(dependant: Dependant) -> bool:
    own = (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
    )
    return bool(own) or any(_has_inputs(sub) for sub in dependant.dependencies)


def error_statuses(path: str, methods: set[str], dependant: Dependant) -> set[int]:
    """The error statuses an operation can answer, from its inputs, dependencies and markers."""
    unsafe = bool(methods & UNSAFE_METHODS)
    found: set[int] = set()
    if _has_inputs(dependant):
        found.add(422)
    if "{" in path:
        found.add(404)
    if path.startswith("/api/"):
        found.add(503)
        if unsafe:
            found.add(409)
    for call in _calls(dependant):
        always, only_unsafe = getattr(call, _MARK, (frozenset(), frozenset()))
        found |= always | (only_unsafe if unsafe else frozenset())
    return found


_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "seconds until another attempt may succeed",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds after which to try again",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}
_WHEN: dict[int, str] = {
    401: "No credentials, or credentials that are not valid here",
    403: "The caller may not do this (or a cookie session without its CSRF header)",
    404: "Not found (also another store's resources: they are never revealed)",
    409: "A broken business rule (a state that forbids it, stock short) or a lost race",
    412: "If-Match names a version that is no longer the current one",
    422: "Invalid input: ``errors`` names each field and why",
    429: "Too many attempts",
    503: "A read model is being rebuilt, or no database connection is free: retry",
}


BEARER = "bearer"
# The docs' "Authorize" takes any of Orion's bearer tokens; browsers may send the same access
# token as the HttpOnly cookie instead (with X-CSRF-Token on writes).
SECURITY_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "The admin token, a user's or customer's access token (from login), or a store API key "
        "(ork_…)"
    ),
}


def problem_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of an error status: a problem, as problem+json."""
    response: dict[str, Any] = {
        "description": _WHEN.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM: {"schema": {"$ref": _REF.format(model="Problem")}}},
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def _not_null(schema: dict[str, Any]) -> None:
    """An optional parameter is left out, never null (HTTP has no null): pydantic's
    ``anyOf: [X, null]`` for ``X | None`` becomes X."""
    options = schema.get("anyOf", [])
    others = [o for o in options if o != {"type": "null"}]
    if len(others) == 1 and len(others) < len(options):
        del schema["anyOf"]
        schema.update({**others[0], **schema})


def _operations(app: FastAPI) -> Iterator[tuple[str, set[str], Dependant]]:
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield str(context.path_format), set(context.methods or ()), context.dependant


def declare_errors(app: FastAPI) -> None:
    """Serves the OpenAPI document with each operation's errors as problem+json responses, in
    place of FastAPI's default 422 (a ``{"detail": [...]}`` as application/json, which Orion
    never answers)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for path, methods, dependant in _operations(app):
                for method in methods:
                    operation = document["paths"][path].get(method.lower())
                    if operation is None:  # HEAD, which the document leaves out
                        continue
                    for parameter in operation.get("parameters", []):
                        _not_null(parameter["schema"])
                    responses = operation.setdefault("responses", {})
                    statuses = error_statuses(path, methods, dependant)
                    for status in sorted(statuses):
                        responses[str(status)] = problem_response(status)
                    takes = security(dependant)
                    if takes is not None:
                        operation["security"] = takes
            components = document.setdefault("components", {})
            components.setdefault("securitySchemes", {})[BEARER] = SECURITY_SCHEME
            schemas = components.setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template=_REF)
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
