"""Use cases of the catalog context: products and their variants, within one store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform, check_version
from domain.catalog.aggregates import Product, SkuClaim
from domain.catalog.errors import ProductNotFoundError, SkuTakenError
from domain.catalog.values import Variant
from domain.shared.errors import ConflictError, OrionError, ValidationError
from domain.shared.ids import sku_claim_id
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError

MAX_SKU = 64


class CatalogService:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        # A store's currency never changes and stores are never deleted: remember it, and save
        # a read of the store on every catalog command.
        self._currencies: dict[UUID, str] = {}

    def get_product(self, store_id: UUID, product_id: UUID) -> Product:
        product = self.platform.find(Product, product_id)
        # Another store's product is "not found": never reveal that it exists.
        if product is None or product.store_id != store_id:
            raise _product_not_found(product_id)
        return product

    def product_for_sku(self, store_id: UUID, sku: str) -> tuple[Product, Variant] | None:
        """The store's product that has ``sku`` (SKUs are told apart whatever their case), with
        that variant; None when no product of the store has it. A SKU that no product could
        have (empty, too long, NUL) is refused (422)."""
        if not isinstance(sku, str) or not sku.strip() or len(sku) > MAX_SKU or "\x00" in sku:
            raise ValidationError("sku", f"must be a SKU of 1-{MAX_SKU} characters")
        wanted = sku.strip()
        claim = self.platform.find(SkuClaim, sku_claim_id(store_id, wanted))
        if claim is None or claim.product_id is None:
            return None
        product = self.platform.find(Product, claim.product_id)
        if product is None or product.store_id != store_id:
            return None
        for variant in product.variants:
            if variant.sku.casefold() == wanted.casefold():
                return product, variant
        return None

    def create_product(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        title: str,
        description: str = "",
        tax_category: str = "standard",
        variants: list[dict[str, Any]],
        product_id: UUID | None = None,
    ) -> CommandResult:
        new_id = product_id or uuid4()

        def decide(at: datetime, *, blind: bool = True) -> Decision:
            product = Product.create(
                store_id=store_id,
                currency=self._currency(store_id),
                title=title,
                description=description,
                tax_category=tax_category,
                variants=variants,
                at=at,
                product_id=new_id,
            )
            if blind:
                # New SKUs are the rule: claim them without reading; a conflict retries below.
                claims = [
                    SkuClaim.claim_new(store_id=store_id, sku=sku, product_id=new_id, at=at)
                    for sku in product.skus
                ]
            else:
                claims = self._claim(store_id, new_id, product.skus, at)
            return Decision(
                product,
                claims,
                on_conflict=self._explain_conflict(store_id, new_id, claims),
                retry=(lambda at: decide(at, blind=False)) if blind else None,
            )

        return self.platform.execute(ctx.for_store(store_id), "CreateProduct", decide)

    def edit_product(
        self,
        ctx: CommandContext,
        store_id: UUID,
        product_id: UUID,
        *,
        expected_version: int | None = None,
        title: str | None = None,
        description: str | None = None,
        tax_category: str | None = None,
        variants: list[dict[str, Any]] | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            currency = self._currency(store_id)
            product = self._product(store_id, product_id, expected_version)
            before = set(product.skus)
            changes = product.edit(
                currency=currency,
                at=at,
                title=title,
                description=description,
                tax_category=tax_category,
                variants=variants,
            )
            claimed: list[SkuClaim] = []
            released: list[SkuClaim] = []
            if "variants" in changes:
                after = set(product.skus)
                claimed = self._claim(store_id, product_id, sorted(after - before), at)
                released = self._release(store_id, product_id, sorted(before - after), at)
            return Decision(
                product,
                [*claimed, *released],
                on_conflict=self._explain_conflict(store_id, product_id, claimed),
            )

        return self.platform.execute(ctx.for_store(store_id), "EditProduct", decide)

    def publish(
        self, ctx: CommandContext, store_id: UUID, product_id: UUID, **kw: Any
    ) -> CommandResult:
        return self._transition(ctx, store_id, product_id, "PublishProduct", Product.publish, **kw)

    def unpublish(
        self, ctx: CommandContext, store_id: UUID, product_id: UUID, **kw: Any
    ) -> CommandResult:
        return self._transition(
            ctx, store_id, product_id, "UnpublishProduct", Product.unpublish, **kw
        )

    def archive(
        self,
        ctx: CommandContext,
        store_id: UUID,
        product_id: UUID,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            product = self._product(store_id, product_id, expected_version)
            product.archive(at=at)
            # An archived product frees its SKUs for new products.
            released = self._release(store_id, product_id, product.skus, at)
            return Decision(product, released)

        return self.platform.execute(ctx.for_store(store_id), "ArchiveProduct", decide)

    # -- helpers -----------------------------------------------------------------------------

    def _transition(
        self,
        ctx: CommandContext,
        store_id: UUID,
        product_id: UUID,
        command: str,
        method: Callable[..., None],
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            product = self._product(store_id, product_id, expected_version)
            method(product, at=at)
            return Decision(product)

        return self.platform.execute(ctx.for_store(store_id), command, decide)

    def _currency(self, store_id: UUID) -> str:
        if store_id not in self._currencies:
            store = self.platform.get(
                Store,
                store_id,
                not_found=lambda: StoreNotFoundError(
                    f"no store {store_id}", store_id=str(store_id)
                ),
            )
            self._currencies[store_id] = store.currency
        return self._currencies[store_id]

    def _product(self, store_id: UUID, product_id: UUID, expected_version: int | None) -> Product:
        product = self.get_product(store_id, product_id)
        check_version(product, expected_version)
        return product

    def _claim(
        self, store_id: UUID, product_id: UUID, skus: list[str], at: datetime
    ) -> list[SkuClaim]:
        claims: list[SkuClaim] = []
        for sku in skus:
            claim = self.platform.find(SkuClaim, sku_claim_id(store_id, sku))
            if claim is None:
                claim = SkuClaim.claim_new(store_id=store_id, sku=sku, product_id=product_id, at=at)
            else:
                claim.reclaim(product_id=product_id, at=at)
            claims.append(claim)
        return claims

    def _release(
        self, store_id: UUID, product_id: UUID, skus: list[str], at: datetime
    ) -> list[SkuClaim]:
        released: list[SkuClaim] = []
        for sku in skus:
            claim = self.platform.find(SkuClaim, sku_claim_id(store_id, sku))
            if claim is not None:
                claim.release(product_id=product_id, at=at)
                released.append(claim)
        return released

    def _explain_conflict(
        self, store_id: UUID, product_id: UUID, claims: list[SkuClaim]
    ) -> Callable[[], OrionError]:
        """After a lost race: was it for one of our new SKUs, or for the product itself?"""

        def explain() -> OrionError:
            for claim in claims:
                now = self.platform.find(SkuClaim, claim.id)
                if now is not None and now.product_id not in (None, product_id):
                    return SkuTakenError(
                        f"SKU {now.sku!r} was just taken by another product", sku=now.sku
                    )
            return ConflictError("the product was changed concurrently; reload it and try again")

        return explain


def _product_not_found(product_id: UUID) -> ProductNotFoundError:
    return ProductNotFoundError(f"no product {product_id}", product_id=str(product_id))
