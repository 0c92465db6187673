"""The Product aggregate and the SkuClaim that keeps SKUs unique within a store."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.catalog.errors import ProductStateError, SkuTakenError
from domain.catalog.values import (
    ProductStatus,
    Variant,
    check_description,
    check_tax_category,
    check_title,
    check_variants,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.ids import sku_claim_id
from domain.shared.topics import stable_topics


@stable_topics("catalog", was="domain.catalog.aggregates")
class Product(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID
        title: str
        description: str
        tax_category: str
        variants: list[dict[str, Any]]

    class Edited(OrionAggregate.Event):
        """Only the fields that changed, so the audit log shows what an edit did."""

        changes: dict[str, Any]

        def apply(self, product: Any) -> None:
            for key, value in self.changes.items():
                if key == "variants":
                    product.variants = [Variant.from_dict(v) for v in value]
                else:
                    setattr(product, key, value)

    class Published(OrionAggregate.Event):
        """Carries what the shop shows (v2), so that a storefront can list the product from this
        event alone, without keeping a copy of every draft. A v1 event carried nothing: it is
        upcast with ``None`` fields, and a reader then needs the product's earlier events."""

        class_version = 2

        store_id: UUID | None = None
        title: str | None = None
        description: str | None = None
        tax_category: str | None = None
        variants: list[dict[str, Any]] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(
                store_id=None, title=None, description=None, tax_category=None, variants=None
            )

        @property
        def carries_state(self) -> bool:
            return self.variants is not None

        def apply(self, product: Any) -> None:
            product.status = ProductStatus.PUBLISHED.value

    class Unpublished(OrionAggregate.Event):
        def apply(self, product: Any) -> None:
            product.status = ProductStatus.DRAFT.value

    class Archived(OrionAggregate.Event):
        def apply(self, product: Any) -> None:
            product.status = ProductStatus.ARCHIVED.value

    def __init__(
        self,
        store_id: UUID,
        title: str,
        description: str,
        tax_category: str,
        variants: list[dict[str, Any]],
    ) -> None:
        self.store_id = store_id
        self.title = title
        self.description = description
        self.tax_category = tax_category
        self.variants = [Variant.from_dict(v) for v in variants]
        self.status = ProductStatus.DRAFT.value

    @classmethod
    def create(
        cls,
        *,
        store_id: UUID,
        currency: str,
        title: str,
        description: str,
        tax_category: str,
        variants: list[dict[str, Any]],
        at: datetime,
        product_id: UUID | None = None,
    ) -> Product:
        checked = check_variants(variants, currency)
        return cls._create(
            cls.Created,
            id=product_id or uuid4(),
            timestamp=at,
            store_id=store_id,
            title=check_title(title),
            description=check_description(description),
            tax_category=check_tax_category(tax_category),
            variants=[v.as_dict() for v in checked],
        )

    @property
    def skus(self) -> list[str]:
        return [v.sku for v in self.variants]

    def edit(
        self,
        *,
        currency: str,
        at: datetime,
        title: str | None = None,
        description: str | None = None,
        tax_category: str | None = None,
        variants: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Apply the given fields; returns the changes (empty when nothing changed)."""
        self._check_editable("edit")
        changes: dict[str, Any] = {}
        if title is not None and check_title(title) != self.title:
            changes["title"] = check_title(title)
        if description is not None and check_description(description) != self.description:
            changes["description"] = check_description(description)
        if tax_category is not None and check_tax_category(tax_category) != self.tax_category:
            changes["tax_category"] = check_tax_category(tax_category)
        if variants is not None:
            new = [v.as_dict() for v in check_variants(variants, currency)]
            if new != [v.as_dict() for v in self.variants]:
                changes["variants"] = new
        if changes:
            # The event keeps its own copy: the caller may change what we return.
            self._trigger(self.Edited, at, changes=copy.deepcopy(changes))
        return changes

    def publish(self, *, at: datetime) -> None:
        self._check_editable("publish")
        if self.status == ProductStatus.PUBLISHED:
            raise ProductStateError("the product is already published", status=self.status)
        self._trigger(
            self.Published,
            at,
            store_id=self.store_id,
            title=self.title,
            description=self.description,
            tax_category=self.tax_category,
            variants=[v.as_dict() for v in self.variants],  # fresh dicts: the event's own copy
        )

    def unpublish(self, *, at: datetime) -> None:
        if self.status != ProductStatus.PUBLISHED:
            raise ProductStateError(
                f"only a published product can be unpublished; it is {self.status}",
                status=self.status,
            )
        self._trigger(self.Unpublished, at)

    def archive(self, *, at: datetime) -> None:
        self._check_editable("archive")
        self._trigger(self.Archived, at)

    def _check_editable(self, action: str) -> None:
        if self.status == ProductStatus.ARCHIVED:
            raise ProductStateError(
                f"an archived product cannot be changed ({action})", status=self.status
            )


@stable_topics("catalog", was="domain.catalog.aggregates")
class SkuClaim(OrionAggregate):
    """One per (store, SKU): its deterministic id makes a second claim a conflict in the store."""

    class Claimed(OrionAggregate.Created):
        store_id: UUID
        sku: str
        product_id: UUID

    class Released(OrionAggregate.Event):
        def apply(self, claim: Any) -> None:
            claim.product_id = None

    class Reclaimed(OrionAggregate.Event):
        product_id: UUID

        def apply(self, claim: Any) -> None:
            claim.product_id = self.product_id

    def __init__(self, store_id: UUID, sku: str, product_id: UUID) -> None:
        self.store_id = store_id
        self.sku = sku
        self.product_id: UUID | None = product_id

    @classmethod
    def claim_new(cls, *, store_id: UUID, sku: str, product_id: UUID, at: datetime) -> SkuClaim:
        return cls._create(
            cls.Claimed,
            id=sku_claim_id(store_id, sku),
            timestamp=at,
            store_id=store_id,
            sku=sku,
            product_id=product_id,
        )

    def reclaim(self, *, product_id: UUID, at: datetime) -> None:
        if self.product_id is not None and self.product_id != product_id:
            raise SkuTakenError(f"SKU {self.sku!r} is already used in this store", sku=self.sku)
        if self.product_id is None:
            self._trigger(self.Reclaimed, at, product_id=product_id)

    def release(self, *, product_id: UUID, at: datetime) -> None:
        if self.product_id == product_id:
            self._trigger(self.Released, at)
