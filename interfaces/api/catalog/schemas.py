from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.catalog.values import (
    MAX_ATTR_NAME,
    MAX_ATTR_VALUE,
    MAX_ATTRIBUTES,
    MAX_DESCRIPTION,
    MAX_TITLE,
    MAX_VARIANTS,
    TaxCategory,
)
from domain.shared.money import MAX_AMOUNT
from interfaces.api.common import CurrencyCode, Omittable, Sku, StrictModel

TaxCategoryName = Annotated[
    str,
    Field(
        max_length=32,
        description="the VAT rate family",
        json_schema_extra={"enum": [t.value for t in TaxCategory]},
    ),
]
AttributeName = Annotated[str, Field(min_length=1, max_length=MAX_ATTR_NAME)]
AttributeValue = Annotated[str, Field(min_length=1, max_length=MAX_ATTR_VALUE)]


class MoneyIn(StrictModel):
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="integer minor units (cents)")
    currency: CurrencyCode


class VariantIn(StrictModel):
    sku: Sku
    price: MoneyIn
    attributes: dict[AttributeName, AttributeValue] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES
    )


class ProductCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Wool socks",
                    "description": "Warm and soft.",
                    "tax_category": "standard",
                    "variants": [
                        {
                            "sku": "SOCKS-40",
                            "price": {"amount": 1299, "currency": "EUR"},
                            "attributes": {"size": "40"},
                        }
                    ],
                }
            ]
        }
    )

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    tax_category: TaxCategoryName = "standard"
    variants: list[VariantIn] = Field(min_length=1, max_length=MAX_VARIANTS)


class ProductUpdate(StrictModel):
    """What to change: a member left out is kept (null is refused)."""

    title: str = Omittable(min_length=1, max_length=MAX_TITLE)
    description: str = Omittable(max_length=MAX_DESCRIPTION)
    tax_category: TaxCategoryName = Omittable()
    variants: list[VariantIn] = Omittable(min_length=1, max_length=MAX_VARIANTS)


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
