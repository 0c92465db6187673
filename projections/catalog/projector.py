"""The team's product list and the storefront's search index, fed by Product events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, MetaData, Table, text

from domain.catalog.aggregates import Product
from domain.catalog.values import ProductStatus
from projections.catalog.tables import define_catalog_tables, define_search_tables
from projections.engine import EventEnvelope, Projection, topic
from projections.text import fold
from projections.writer import Writer

PRODUCT_TOPICS = tuple(
    topic(c)
    for c in (
        Product.Created,
        Product.Edited,
        Product.Published,
        Product.Unpublished,
        Product.Archived,
    )
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


def _changed_products(envelopes: Sequence[EventEnvelope]) -> list[Any]:
    """Products the batch changes but did not create: their stored rows must be read."""
    created = {e.event.originator_id for e in envelopes if isinstance(e.event, Product.Created)}
    return list(
        {
            e.event.originator_id
            for e in envelopes
            if not isinstance(e.event, Product.Created) and e.event.originator_id not in created
        }
    )


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
                "skus": " ".join(fold(v["sku"]) for v in e.variants),
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
                skus=" ".join(fold(v["sku"]) for v in changes["variants"]),
            )
        w.patch("products", e.originator_id, **changes, **common)
    elif isinstance(e, Product.Published):
        w.patch("products", e.originator_id, status=ProductStatus.PUBLISHED.value, **common)
    elif isinstance(e, Product.Unpublished):
        w.patch("products", e.originator_id, status=ProductStatus.DRAFT.value, **common)
    elif isinstance(e, Product.Archived):
        w.patch("products", e.originator_id, status=ProductStatus.ARCHIVED.value, **common)


class StorefrontSearchProjection(Projection):
    """Published products only. Keeps the draft state of every product so that publishing later
    needs no query of another read model (projections stay independent and rebuildable)."""

    name = "storefront_search"
    topics = PRODUCT_TOPICS

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        tables = define_search_tables(metadata, suffix)
        # Its private copy of every product's current state lives beside the shop tables.
        tables["products"] = define_catalog_tables(metadata, f"_search{suffix}")["products"]
        return tables

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

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        w.prefetch("products", _changed_products(envelopes))
        # Also the products created in this batch: "no shop row yet" is then known, not asked.
        w.prefetch(
            "shop_products",
            {e.event.originator_id for e in envelopes if not isinstance(e.event, Product.Created)},
            columns=["published_at"],  # all ``finish`` reads of a stored shop row
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        # Keep the full current state; the shop rows are derived from it once per product per
        # batch, in ``finish`` (a rebuild sees create, publish and edits of a product together).
        apply_product_event(envelope, w)
        e = envelope.event
        if isinstance(e, Product.Created):
            return  # a new product is a draft: not in the shop
        touched: dict[Any, Any] = w.scratch.setdefault("touched", {})
        if isinstance(e, Product.Published):
            touched[e.originator_id] = e.timestamp
        else:
            touched.setdefault(e.originator_id, None)

    def finish(self, w: Writer) -> None:
        for product_id, published_now in w.scratch.get("touched", {}).items():
            product = w.get("products", product_id)
            existing = w.get("shop_products", product_id)
            if product is None or product["status"] != ProductStatus.PUBLISHED.value:
                if existing is not None:
                    w.delete("shop_products", product_id)
                    w.replace_children("attributes", "product_id", product_id, [])
                continue
            published_at = published_now or (
                existing["published_at"] if existing else product["updated_at"]
            )
            self._put_shop_row(w, product, published_at, fresh=existing is None)

    @staticmethod
    def _put_shop_row(
        w: Writer, product: dict[str, Any], published_at: Any, *, fresh: bool
    ) -> None:
        """``fresh``: the product has no shop rows yet, so nothing needs deleting first."""
        product_id = product["product_id"]
        variants = product["variants"]
        attributes = sorted(
            {(k, fold(v)) for var in variants for k, v in var["attributes"].items()}
        )
        (w.insert if fresh else w.put)(
            "shop_products",
            {
                "product_id": product_id,
                "store_id": product["store_id"],
                "title": product["title"],
                "description": product["description"],
                "tax_category": product["tax_category"],
                "variants": variants,
                "price_min": product["price_min"],
                "price_max": product["price_max"],
                "currency": product["currency"],
                "published_at": published_at,
                "version": product["version"],
                "f_title": fold(product["title"]),
                "f_description": fold(product["description"]),
                "f_skus": product["skus"],
                "f_attributes": " ".join(f"{fold(k)} {v}" for k, v in attributes),
            },
        )
        w.replace_children(
            "attributes",
            "product_id",
            product_id,
            [
                {"product_id": product_id, "name": k, "value": v, "store_id": product["store_id"]}
                for k, v in attributes
            ],
            fresh=fresh,
        )
