"""Bodies and answers of a store's shipping rates and of the shop's quotes for a cart.

Limits here are the transport's; the rules (countries, bands, amounts) are the domain's.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.shipping.values import KINDS
from domain.shipping.values import MAX_AMOUNT as MAX_RATE_AMOUNT
from interfaces.api.common import CommandAnswer, CountryCode, StrictModel

RateAmount = Annotated[int, Field(ge=0, le=MAX_RATE_AMOUNT, description="minor units")]


class Band(StrictModel):
    max_grams: int = Field(gt=0, description="the heaviest cart (in grams) the band prices")
    amount: RateAmount


class RateBody(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Standard", "kind": "flat", "amount": 490, "countries": ["LU", "BE"]},
                {"name": "Free over 50", "kind": "free_over", "amount": 490, "free_over": 5000},
            ]
        }
    )

    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    # flat: the price; free_over: the price below the threshold; weight: unused (bands).
    amount: RateAmount = 0
    # Empty: ships everywhere.
    countries: list[CountryCode] = Field(default_factory=list, max_length=300)
    # Required (1-50) by a weight rate.
    bands: list[Band] | None = Field(default=None, max_length=50)
    # Required by a free_over rate: from this subtotal on, shipping is free.
    free_over: RateAmount | None = None


class RatePublic(BaseModel):
    id: UUID
    name: str
    kind: str
    amount: int
    countries: list[str]
    bands: list[dict[str, int]] | None = None
    free_over: int | None = None


class RateList(BaseModel):
    items: list[RatePublic]
    version: int  # of the store's rates (0: none set yet)


class RateAnswer(CommandAnswer):
    rate_id: UUID


class Quote(BaseModel):
    rate_id: UUID
    name: str
    amount: int


class Quotes(BaseModel):
    country: str
    currency: str
    subtotal: int
    weight_grams: int
    rates: list[Quote]  # cheapest first
