"""The team's product list and the storefront's search index, fed by Product events."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, MetaData, Table, text

from domain.catalog.aggregates import Product
from domain.catalog.values import ProductStatus
from domain.shared.topics import topics_of
from projections.base import EventEnvelope, Projection
from projections.catalog.tables import define_catalog_tables, define_search_tables
from projections.text import fold
from projections.writer import Writer

PRODUCT_TOPICS = topics_of(
    Product.Created, Product.Edited, Product.Published, Product.Unpublished, Product.Archived
)


def _prices(variants: list[dict[str, Any]]) -> tuple[int, int, str]:
    amounts = [v["price"]["amount"] for v in variants]
    return min(amounts), max(amounts), variants[0]["price"]["currency"]


class CatalogProjection(Projection):
    name = "catalog"
    topics = PRODUCT_TOPICS

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_catalog_tables(metadata, suffix)

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        # Changes to products created in earlier batches are patched without reading them.
        apply_product_event(envelope, w)


def apply_product_event(envelope: EventEnvelope, w: Writer) -> None:
    """Keep the ``products`` row equal to the product's current state."""
    e = envelope.event
    common = {"version": e.originator_version, "updated_at": e.timestamp}
    if isinstance(e, Product.Created):
        low, high, currency = _prices(e.variants)
        w.insert(
            "products",
            {
                "product_id": e.originator_id,
                "store_id": e.store_id,
                "title": e.title,
                "title_folded": fold(e.title),
                "description": e.description,
                "tax_category": e.tax_category,
                "status": ProductStatus.DRAFT.value,
                "variants": e.variants,
                "skus": _skus(e.variants),
                "price_min": low,
                "price_max": high,
                "currency": currency,
                "created_at": e.timestamp,
                **common,
            },
        )
    elif isinstance(e, Product.Edited):
        changes = dict(e.changes)
        if "title" in changes:
            changes["title_folded"] = fold(changes["title"])
        if "variants" in changes:
            low, high, currency = _prices(changes["variants"])
            changes.update(
                price_min=low,
                price_max=high,
                currency=currency,
                skus=_skus(changes["variants"]),
            )
        w.patch("products", e.originator_id, **changes, **common)
    elif isinstance(e, Product.Published):
        w.patch("products", e.originator_id, status=ProductStatus.PUBLISHED.value, **common)
    elif isinstance(e, Product.Unpublished):
        w.patch("products", e.originator_id, status=ProductStatus.DRAFT.value, **common)
    elif isinstance(e, Product.Archived):
        w.patch("products", e.originator_id, status=ProductStatus.ARCHIVED.value, **common)


SHOP_TOPICS = topics_of(Product.Published, Product.Edited, Product.Unpublished, Product.Archived)


class StorefrontSearchProjection(Projection):
    """Published products only. A product enters the shop with its ``Published`` event, which
    carries what the shop shows, and later edits rewrite its row while it is there: drafts are
    never copied, nor read from another read model (projections stay independent)."""

    name = "storefront_search"
    # A product's creation concerns the shop only once it is published: not read at all.
    topics = SHOP_TOPICS

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_search_tables(metadata, suffix)

    def create_extras(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        name = tables["shop_products"].name
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS document tsvector "
                    "GENERATED ALWAYS AS ("
                    "setweight(to_tsvector('simple', f_title), 'A') || "
                    "setweight(to_tsvector('simple', f_skus), 'A') || "
                    "setweight(to_tsvector('simple', f_attributes), 'B') || "
                    "setweight(to_tsvector('simple', f_description), 'C')) STORED"
                )
            )
        else:
            fts = f"shop_products_fts{suffix}"
            conn.execute(
                text(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
                    "f_title, f_description, f_skus, f_attributes, "
                    f"content='{name}', content_rowid='rowid', "
                    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
                )
            )
            cols = "f_title, f_description, f_skus, f_attributes"
            new_cols = "new.f_title, new.f_description, new.f_skus, new.f_attributes"
            old_cols = "old.f_title, old.f_description, old.f_skus, old.f_attributes"
            conn.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {name} BEGIN "
                    f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new_cols}); END"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {name} BEGIN "
                    f"INSERT INTO {fts}({fts}, rowid, {cols}) "
                    f"VALUES ('delete', old.rowid, {old_cols}); END"
                )
            )

    def create_extra_indexes(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        if conn.dialect.name == "postgresql":
            name = tables["shop_products"].name
            conn.execute(
                text(f"CREATE INDEX IF NOT EXISTS ix_{name}_document ON {name} USING gin(document)")
            )

    def drop_extras(self, conn: Connection, suffix: str) -> None:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"DROP TABLE IF EXISTS shop_products_fts{suffix}"))
        # Generations made before ``Published`` carried state also kept a copy of every product.
        conn.execute(text(f"DROP TABLE IF EXISTS products_search{suffix}"))

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        # The shop rows of the batch's products: only those already in the shop are found.
        w.prefetch("shop_products", {e.event.originator_id for e in envelopes})

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        if isinstance(e, Product.Published):
            self._publish(e, w)
        elif isinstance(e, Product.Edited):
            self._edit(e, w)
        elif w.exists("shop_products", e.originator_id):  # unpublished or archived
            w.delete("shop_products", e.originator_id)
            w.replace_children("attributes", "product_id", e.originator_id, [])

    @staticmethod
    def _publish(e: Product.Published, w: Writer) -> None:
        product_id = e.originator_id
        state = _published_state(e, w)
        variants = state["variants"]
        fresh = not w.exists("shop_products", product_id)
        attributes = _attributes(variants)
        low, high, currency = _prices(variants)
        (w.insert if fresh else w.put)(
            "shop_products",
            {
                "product_id": product_id,
                **state,
                "price_min": low,
                "price_max": high,
                "currency": currency,
                "published_at": e.timestamp,
                "version": e.originator_version,
                "f_title": fold(state["title"]),
                "f_description": fold(state["description"]),
                "f_skus": _skus(variants),
                "f_attributes": _attribute_text(attributes),
            },
        )
        w.replace_children(
            "attributes",
            "product_id",
            product_id,
            _attribute_rows(product_id, state["store_id"], attributes),
            fresh=fresh,
        )

    @staticmethod
    def _edit(e: Product.Edited, w: Writer) -> None:
        product_id = e.originator_id
        row = w.get("shop_products", product_id)
        if row is None:
            return  # a draft: not in the shop
        changes = e.changes
        row["version"] = e.originator_version
        if "title" in changes:
            row.update(title=changes["title"], f_title=fold(changes["title"]))
        if "description" in changes:
            description = changes["description"]
            row.update(description=description, f_description=fold(description))
        if "tax_category" in changes:
            row["tax_category"] = changes["tax_category"]
        if "variants" in changes:
            variants = changes["variants"]
            attributes = _attributes(variants)
            low, high, currency = _prices(variants)
            row.update(
                variants=variants,
                price_min=low,
                price_max=high,
                currency=currency,
                f_skus=_skus(variants),
                f_attributes=_attribute_text(attributes),
            )
            w.replace_children(
                "attributes",
                "product_id",
                product_id,
                _attribute_rows(product_id, row["store_id"], attributes),
            )
        # The whole row, not a patch: SQLite's full-text index follows inserts and deletes only.
        w.put("shop_products", row)


def _published_state(e: Product.Published, w: Writer) -> dict[str, Any]:
    """What the shop shows of a product as it was published."""
    if e.carries_state:
        fields = ("store_id", "title", "description", "tax_category", "variants")
        return {name: getattr(e, name) for name in fields}
    # A v1 event (recorded before events carried state): the product as it stood then, replayed
    # from its own events in the log.
    product: Any = None
    for event in w.history(e.originator_id, e.originator_version):
        product = event.mutate(product)
    return {
        "store_id": product.store_id,
        "title": product.title,
        "description": product.description,
        "tax_category": product.tax_category,
        "variants": [v.as_dict() for v in product.variants],
    }


def _skus(variants: list[dict[str, Any]]) -> str:
    return " ".join(fold(v["sku"]) for v in variants)


# Attribute names and values come from short lists (colours, sizes): fold each once.
_fold_term = lru_cache(maxsize=4096)(fold)


def _attributes(variants: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(name, folded value) pairs of all variants, once each, sorted."""
    return sorted({(k, _fold_term(v)) for var in variants for k, v in var["attributes"].items()})


def _attribute_text(attributes: list[tuple[str, str]]) -> str:
    return " ".join(f"{_fold_term(k)} {v}" for k, v in attributes)


def _attribute_rows(
    product_id: Any, store_id: Any, attributes: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    return [
        {"product_id": product_id, "name": k, "value": v, "store_id": store_id}
        for k, v in attributes
    ]
