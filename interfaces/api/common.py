"""Schemas every context shares, and the types that make the OpenAPI document say what the
domain enforces (the rules themselves, and their messages, stay in ``domain``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from application.platform import CommandResult
from domain.catalog.values import SKU_RE
from domain.identity.values import MAX_EMAIL, MAX_PASSWORD, MIN_PASSWORD, PASSWORD_RULE
from domain.shared.money import iso_currencies
from domain.stores.values import iso_countries


class StrictModel(BaseModel):
    """Request bodies: unknown fields and type coercion are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CommandAnswer(BaseModel):
    id: UUID
    version: int
    position: int


def answer(result: CommandResult, response: Response) -> CommandAnswer:
    response.headers["ETag"] = f'"{result.version}"'
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CommandAnswer(id=result.id, version=result.version, position=result.position)


# -- what the domain accepts, as JSON Schema ------------------------------------------------
# Documented here, checked by the domain (which also trims and, for countries, upper-cases).

CountryCode = Annotated[
    str,
    Field(
        description="ISO 3166-1 alpha-2 country code",
        json_schema_extra={"enum": sorted(iso_countries()), "examples": ["LU"]},
    ),
]
CurrencyCode = Annotated[
    str,
    Field(
        description="ISO 4217 currency code (legal tender)",
        json_schema_extra={"enum": sorted(iso_currencies()), "examples": ["EUR"]},
    ),
]
Email = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_EMAIL,
        json_schema_extra={"format": "email", "examples": ["ada@example.org"]},
    ),
]
# No minimum enforced here: the domain's check refuses a short password with the whole rule.
NewPassword = Annotated[
    str,
    Field(
        max_length=MAX_PASSWORD,
        description=f"The password rule: {PASSWORD_RULE}.",
        json_schema_extra={"minLength": MIN_PASSWORD},
    ),
]
Sku = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="letters, digits and . _ / - (not first); unique in the store",
        json_schema_extra={"pattern": SKU_RE.pattern, "examples": ["MUG-RED"]},
    ),
]


def Omittable(**constraints: Any) -> Any:
    """A member a PATCH may leave out (to keep its value) but not set to null: its type has
    no None, so null is refused (422 naming it), and leaving it out leaves it None (the
    document shows no defaults, so it says neither null nor a default)."""
    return Field(default=None, **constraints)


# -- query parameters of time -----------------------------------------------------------------
# Pydantic would take a number as a Unix time (``?to=0`` as 1970-01-01): the API takes text.

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _text(pattern: re.Pattern[str], kind: str, rule: str) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, str) and not pattern.match(value):
            raise PydanticCustomError(kind, rule)
        if isinstance(value, int | float):
            raise PydanticCustomError(kind, rule)
        return value

    return BeforeValidator(check)


QueryDate = Annotated[date, _text(_DATE, "date_format", "must be a date, e.g. 2026-01-31")]
QueryDateTime = Annotated[
    datetime,
    _text(
        _DATE_TIME,
        "datetime_format",
        "must be an RFC 3339 date-time with its offset, e.g. 2026-01-31T12:00:00Z",
    ),
]
