from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.stores.values import CODE_RE, MAX_NAME
from interfaces.api.common import CountryCode, CurrencyCode, StrictModel


class StoreCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "acme",
                    "name": "Acme",
                    "country": "LU",
                    "currency": "EUR",
                    "locale": "fr_LU",
                }
            ]
        }
    )

    code: str = Field(
        min_length=1,
        max_length=32,
        description="the shop's address in URLs (trimmed and lower-cased)",
        json_schema_extra={"pattern": CODE_RE.pattern},
    )
    name: str = Field(min_length=1, max_length=MAX_NAME)
    country: CountryCode
    currency: CurrencyCode
    locale: str = Field(default="en", min_length=2, max_length=32, examples=["fr_LU"])


class StoreUpdate(StrictModel):
    """What to change; a member left out or null is kept."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    country: CountryCode | None = None
    locale: str | None = Field(default=None, min_length=2, max_length=32)


class StoreSuspend(StrictModel):
    reason: str = Field(min_length=1, max_length=200)


class StorePublic(BaseModel):
    id: UUID
    code: str
    name: str
    country: str
    currency: str
    locale: str
    status: str
    suspension_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class StoreList(BaseModel):
    items: list[StorePublic]
    next_cursor: str | None
