"""Bulk data for the benchmarks, written straight through the application (many aggregates per
``save()``), so that 100,000 events take seconds, not the minutes the command path would take.

The events are the ones the command path writes (same aggregates, same methods, same metadata);
only the number of aggregates per transaction differs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from domain.catalog.aggregates import Product, SkuClaim
from domain.stores.aggregates import Store
from interfaces.bootstrap import Orion
from ops.bench.common import Vocabulary, product_text, utcnow, variant

CTX = CommandContext(actor="system:bench")


@dataclass
class Counts:
    stores: int = 0
    products: int = 0
    published: int = 0
    edited: int = 0
    events: int = 0


def meta(store_id: UUID | None = None) -> dict[str, Any]:
    return (CTX.for_store(store_id) if store_id else CTX).metadata()


def register_store(orion: Orion, code: str, currency: str = "EUR") -> UUID:
    result = orion.stores.register(
        CTX, code=code, name=f"Bench {code}", country="LU", currency=currency, locale="en"
    )
    return result.id


def _save_chunks(orion: Orion, aggregates: Iterator[Any], events_per_save: int) -> int:
    """Save aggregates of one store, several per transaction; returns the events written."""
    written = 0
    batch: list[Any] = []
    pending = 0
    store_id: UUID | None = None
    for aggregate in aggregates:
        store_id = getattr(aggregate, "store_id", None)
        batch.append(aggregate)
        pending += len(aggregate.pending_events)
        if pending >= events_per_save:
            orion.app.save(*batch, orion_meta=meta(store_id))
            written += pending
            batch, pending = [], 0
    if batch:
        orion.app.save(*batch, orion_meta=meta(store_id))
        written += pending
    return written


def new_product(
    store_id: UUID, vocab: Vocabulary, rng: random.Random, sku: str, currency: str = "EUR"
) -> Product:
    title, description = product_text(vocab, rng)
    return Product.create(
        store_id=store_id,
        currency=currency,
        title=title,
        description=description,
        tax_category="standard",
        variants=[variant(sku, rng, currency)],
        at=utcnow(),
        product_id=uuid4(),
    )


def mixed_log(orion: Orion, target_events: int, seed: int = 11) -> Counts:
    """A platform's log: many stores, products created with their SKU claims, then half of them
    published and a tenth edited later (as shops do), until the log holds ``target_events``."""
    rng = random.Random(seed)
    vocab = Vocabulary(seed=seed)
    counts = Counts()
    n_stores = max(2, target_events // 500)
    stores: list[UUID] = []
    store_aggregates = []
    for i in range(n_stores):
        store = Store.register(
            code=f"s{i:05d}", name=f"Store {i}", country="LU", currency="EUR", locale="en",
            at=utcnow(),
        )  # fmt: skip
        if i % 4 == 0:
            store.change_details(name=f"Store {i} renamed", country=None, locale=None, at=utcnow())
        stores.append(store.id)
        store_aggregates.append(store)
    counts.stores = n_stores
    counts.events += _save_chunks(orion, iter(store_aggregates), 500)

    # Each product: Created + Claimed, then 1/2 Published and 1/10 Edited: 2.6 events.
    n_products = max(1, int((target_events - counts.events) / 2.6))
    products: list[Product] = []

    def created() -> Iterator[Any]:
        for i in range(n_products):
            store_id = stores[i % n_stores]
            product = new_product(store_id, vocab, rng, f"SKU-{i:07d}")
            products.append(product)
            yield product
            yield SkuClaim.claim_new(
                store_id=store_id, sku=product.skus[0], product_id=product.id, at=utcnow()
            )

    counts.events += _save_chunks(orion, created(), 500)
    counts.products = n_products

    def published() -> Iterator[Product]:
        for product in products[::2]:
            product.publish(at=utcnow())
            counts.published += 1
            yield product

    counts.events += _save_chunks(orion, published(), 500)

    def edited() -> Iterator[Product]:
        i = 0
        while counts.events + counts.edited < target_events or i < n_products // 10:
            product = products[(i * 7) % n_products]
            title, _ = product_text(vocab, rng)
            product.edit(currency="EUR", at=utcnow(), title=title)
            counts.edited += 1
            i += 1
            yield product

    counts.events += _save_chunks(orion, edited(), 500)
    return counts


def published_catalog(
    orion: Orion, store_id: UUID, n_products: int, vocab: Vocabulary, seed: int = 13
) -> int:
    """``n_products`` published products in one store (Created + Published each)."""
    rng = random.Random(seed)

    def products() -> Iterator[Product]:
        for i in range(n_products):
            product = new_product(store_id, vocab, rng, f"P-{seed}-{i:07d}")
            product.publish(at=utcnow())
            yield product

    return _save_chunks(orion, products(), 1000)
