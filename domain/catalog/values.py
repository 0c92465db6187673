"""Value objects of the catalog and their validation (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.shared.checks import check_line, check_text
from domain.shared.errors import ValidationError
from domain.shared.money import Money

# The tax context owns the categories (it maps them to rates); re-exported for the catalog's API.
from domain.tax.values import TaxCategory as TaxCategory

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_VARIANTS = 100
MAX_ATTRIBUTES = 20
MAX_ATTR_NAME = 40
MAX_ATTR_VALUE = 100
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Variant:
    sku: str
    price: Money
    attributes: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "price": self.price.as_dict(), "attributes": dict(self.attributes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Variant:
        price = data["price"]
        return cls(data["sku"], Money(price["amount"], price["currency"]), dict(data["attributes"]))


def check_title(title: str) -> str:
    return check_line(title, "title", limit=MAX_TITLE)


def check_description(description: str) -> str:
    return check_text(description, "description", limit=MAX_DESCRIPTION, required=False)


def check_tax_category(tax_category: str) -> str:
    try:
        return TaxCategory(tax_category).value
    except ValueError:
        allowed = ", ".join(t.value for t in TaxCategory)
        raise ValidationError("tax_category", f"must be one of: {allowed}") from None


def check_attributes(attributes: dict[str, str], field: str) -> dict[str, str]:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationError(field, f"at most {MAX_ATTRIBUTES} attributes")
    cleaned: dict[str, str] = {}
    for name, value in attributes.items():
        key = name.strip().lower()
        if not key or len(key) > MAX_ATTR_NAME:
            raise ValidationError(field, f"attribute names are 1-{MAX_ATTR_NAME} characters")
        check_line(name, field, limit=MAX_ATTR_NAME)
        if key in cleaned:
            raise ValidationError(field, f"attribute {key!r} is given twice")
        cleaned[key] = check_line(value, f"{field}.{key}", limit=MAX_ATTR_VALUE)
    return cleaned


def check_variants(variants: list[dict[str, Any]], currency: str) -> list[Variant]:
    """Validate raw variants; every price must be in the store's currency."""
    if not variants:
        raise ValidationError("variants", "a product needs at least one variant")
    if len(variants) > MAX_VARIANTS:
        raise ValidationError("variants", f"at most {MAX_VARIANTS} variants")
    checked: list[Variant] = []
    seen: set[str] = set()
    for i, raw in enumerate(variants):
        where = f"variants[{i}]"
        raw_sku = raw.get("sku")
        sku = raw_sku.strip() if isinstance(raw_sku, str) else ""
        if not SKU_RE.match(sku):
            raise ValidationError(
                f"{where}.sku", "1-64 characters: letters, digits and . _ / - (not first)"
            )
        if sku.casefold() in seen:
            raise ValidationError(f"{where}.sku", f"SKU {sku!r} appears twice in this product")
        seen.add(sku.casefold())
        price_raw = raw.get("price") or {}
        price = Money.of(price_raw.get("amount"), price_raw.get("currency"), f"{where}.price")
        if price.currency != currency:
            raise ValidationError(
                f"{where}.price.currency", f"must be the store's currency, {currency}"
            )
        attributes = check_attributes(dict(raw.get("attributes") or {}), f"{where}.attributes")
        checked.append(Variant(sku, price, attributes))
    return checked
