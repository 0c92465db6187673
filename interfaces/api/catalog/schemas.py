from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from interfaces.api.common import StrictModel


class MoneyIn(StrictModel):
    amount: int = Field(ge=0, le=10**12, description="integer minor units (cents)")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code")


class VariantIn(StrictModel):
    sku: str = Field(min_length=1, max_length=64)
    price: MoneyIn
    attributes: dict[str, str] = Field(default_factory=dict, max_length=20)


class ProductCreate(StrictModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    tax_category: str = Field(default="standard", max_length=32)
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class ProductUpdate(StrictModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    tax_category: str | None = Field(default=None, max_length=32)
    variants: list[VariantIn] | None = Field(default=None, min_length=1, max_length=100)


class Money(BaseModel):
    amount: int
    currency: str


class Variant(BaseModel):
    sku: str
    price: Money
    attributes: dict[str, str]


class ProductPublic(BaseModel):
    id: UUID
    store_id: UUID
    title: str
    description: str
    tax_category: str
    status: str
    variants: list[Variant]
    price_min: Money
    price_max: Money
    version: int
    created_at: datetime
    updated_at: datetime


class ProductList(BaseModel):
    items: list[ProductPublic]
    next_cursor: str | None


class ShopProduct(BaseModel):
    id: UUID
    title: str
    description: str
    variants: list[Variant]
    price_from: Money
    price_to: Money
    published_at: datetime


class ShopProductList(BaseModel):
    items: list[ShopProduct]
    next_cursor: str | None


def product_public(row: dict[str, Any]) -> ProductPublic:
    return ProductPublic(
        id=row["product_id"],
        store_id=row["store_id"],
        title=row["title"],
        description=row["description"],
        tax_category=row["tax_category"],
        status=row["status"],
        variants=row["variants"],
        price_min=Money(amount=row["price_min"], currency=row["currency"]),
        price_max=Money(amount=row["price_max"], currency=row["currency"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def shop_product(row: dict[str, Any]) -> ShopProduct:
    return ShopProduct(
        id=row["product_id"],
        title=row["title"],
        description=row["description"],
        variants=row["variants"],
        price_from=Money(amount=row["price_min"], currency=row["currency"]),
        price_to=Money(amount=row["price_max"], currency=row["currency"]),
        published_at=row["published_at"],
    )
