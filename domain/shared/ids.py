"""Deterministic aggregate ids for natural keys (design: "Identity of aggregates").

Creating a second aggregate with the same natural key then fails as a version conflict in the
event store itself, with no extra table and no race.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NS_STORE = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b01")
NS_SKU = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b02")
NS_IDEMPOTENCY = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b03")


def store_id_for_code(code: str) -> UUID:
    return uuid5(NS_STORE, code.lower())


def sku_claim_id(store_id: UUID, sku: str) -> UUID:
    # SKUs compare case-insensitively within a store: "TS-1" and "ts-1" are one SKU.
    return uuid5(NS_SKU, f"{store_id}:{sku.casefold()}")


def idempotency_record_id(scope: str, key: str) -> UUID:
    return uuid5(NS_IDEMPOTENCY, f"{scope}:{key}")


NS_EMAIL = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b04")
NS_TEAM = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b05")


def email_claim_id(scope: str, email_index: str) -> UUID:
    # ``email_index`` is a keyed hash (blind index) of the e-mail, never the e-mail itself:
    # the id in the log must not let anyone without the key test whether an address is known.
    return uuid5(NS_EMAIL, f"{scope}:{email_index}")


def team_id(store_id: UUID) -> UUID:
    return uuid5(NS_TEAM, str(store_id))


NS_STOCK = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b06")
NS_STORE_SINGLETON = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b07")
NS_CART = UUID("6f1b7a52-2d0c-4c4e-9b1e-6a1c0c9f2b08")


def stock_item_id(store_id: UUID, location_id: UUID, sku: str) -> UUID:
    return uuid5(NS_STOCK, f"{store_id}:{location_id}:{sku.casefold()}")


def store_singleton_id(store_id: UUID, kind: str) -> UUID:
    """The one aggregate of a kind per store: its locations, its shipping rates, its settings."""
    return uuid5(NS_STORE_SINGLETON, f"{store_id}:{kind}")


def customer_cart_id(customer_id: UUID) -> UUID:
    return uuid5(NS_CART, str(customer_id))
