from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from interfaces.api.common import StrictModel


class StoreCreate(StrictModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2)
    currency: str = Field(min_length=3, max_length=3)
    locale: str = Field(default="en", min_length=2, max_length=32)


class StoreUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: str | None = Field(default=None, min_length=2, max_length=2)
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
