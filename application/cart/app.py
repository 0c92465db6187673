"""Carts: a guest's, found by its signed token, or a logged-in customer's. Adding checks that
the variant is on sale and says how many are left when the shopper asks for more (counting the
cart's own checkout hold as its own, as checkout does)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.catalog.app import CatalogService
from application.context import CommandContext
from application.identity.keys import Keyring
from application.inventory.app import InventoryService
from application.platform import CommandResult, Decision, Platform
from domain.cart.aggregates import Cart
from domain.cart.errors import CartLineNotFoundError
from domain.cart.values import check_line_quantity
from domain.catalog.values import ProductStatus
from domain.inventory.errors import InsufficientStockError
from domain.inventory.values import checkout_hold_id
from domain.shared.errors import AuthenticationError, NotFoundError
from domain.shared.ids import customer_cart_id
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError


class CartRef:
    """Which cart: the customer's (when signed in) or the guest's (by token)."""

    def __init__(self, *, customer_id: UUID | None = None, cart_id: UUID | None = None) -> None:
        self.customer_id = customer_id
        self.cart_id = customer_cart_id(customer_id) if customer_id else cart_id

    @property
    def is_new_guest(self) -> bool:
        return self.customer_id is None and self.cart_id is None


class CartService:
    def __init__(
        self,
        platform: Platform,
        inventory: InventoryService,
        catalog: CatalogService,
        keyring: Keyring,
    ) -> None:
        self.platform = platform
        self.inventory = inventory
        self.catalog = catalog
        self.keyring = keyring

    # -- guest tokens -----------------------------------------------------------------------

    def token_for(self, cart_id: UUID) -> str:
        return self.keyring.sign_ids("cart", cart_id)

    def ref_from_token(self, token: str) -> CartRef:
        """A guest cart's reference from its token; a forged token is refused (401)."""
        ids = self.keyring.open_ids("cart", token, 1)
        if ids is None:
            raise AuthenticationError("the cart token is not valid")
        return CartRef(cart_id=ids[0])

    # -- reading ----------------------------------------------------------------------------

    def find(self, store_id: UUID, ref: CartRef) -> Cart | None:
        if ref.cart_id is None:
            return None
        cart = self.platform.find(Cart, ref.cart_id)
        if cart is None or cart.store_id != store_id:
            return None
        return cart

    def find_own(self, store_id: UUID, ref: CartRef) -> Cart | None:
        """``find``, refusing (404) a guest token that names another shop's cart or a
        customer's: the cart API checks that as it reads the token; a use case that reads the
        cart anyway (checkout) checks it here instead of reading the cart twice."""
        if ref.cart_id is None:
            return None
        cart = self.platform.find(Cart, ref.cart_id)
        if cart is None:
            return None
        if ref.customer_id is None and (cart.store_id != store_id or cart.customer_id is not None):
            raise NotFoundError("no such cart", cart="token")
        return cart if cart.store_id == store_id else None

    def view(self, store_id: UUID, ref: CartRef) -> dict[str, Any]:
        cart = self.find(store_id, ref)
        at = self.platform.clock.now()
        lines = []
        for line in cart.lines.values() if cart else []:
            available = self._available(store_id, cart, line["sku"], at) if cart else 0
            lines.append(
                {
                    **line,
                    "line_total": int(line["unit_price"]) * int(line["quantity"]),
                    "available": available,
                }
            )
        return {
            "id": cart.id if cart else None,
            "currency": cart.currency if cart else self._store(store_id).currency,
            "lines": lines,
            "subtotal": cart.subtotal if cart else 0,
            "item_count": sum(int(line["quantity"]) for line in lines),
            "version": cart.version if cart else 0,
        }

    def _store(self, store_id: UUID) -> Store:
        store = self.platform.find(Store, store_id)
        if store is None or not store.is_active:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return store

    def _cart_for_change(self, store_id: UUID, ref: CartRef, at: datetime) -> Cart:
        cart = self.find(store_id, ref)
        if cart is not None:
            return cart
        if ref.cart_id is not None and self.platform.find(Cart, ref.cart_id) is not None:
            raise NotFoundError("no such cart")  # another store's cart: never reveal it
        store = self._store(store_id)
        return Cart.create(
            cart_id=ref.cart_id or uuid4(),
            store_id=store_id,
            customer_id=ref.customer_id,
            currency=store.currency,
            at=at,
        )

    def _variant(self, store_id: UUID, sku: str) -> dict[str, Any]:
        """The variant on sale under ``sku``: published, with its price and weight."""
        found = self.catalog.product_for_sku(store_id, sku)
        if found is None or found[0].status != ProductStatus.PUBLISHED:
            raise NotFoundError(f"nothing on sale under SKU {sku!r}", sku=sku)
        product, variant = found
        weight = variant.attributes.get("weight_grams", "0")
        return {
            "sku": variant.sku,
            "product_id": product.id,
            "title": product.title,
            "unit_price": variant.price.amount,
            "currency": variant.price.currency,
            "attributes": dict(variant.attributes),
            "weight_grams": int(weight) if str(weight).isdigit() else 0,
            "tax_category": product.tax_category,
        }

    def _available(self, store_id: UUID, cart: Cart, sku: str, at: datetime) -> int:
        """What the cart may have of ``sku``: its own checkout hold counts as available to it."""
        return self.inventory.available(store_id, sku, at, holder=checkout_hold_id(cart.id))

    def _check_stock(self, store_id: UUID, cart: Cart, sku: str, wanted: int, at: datetime) -> None:
        available = self._available(store_id, cart, sku, at)
        if wanted > available:
            raise InsufficientStockError(
                f"{sku}: only {available} left", sku=sku, available=available, requested=wanted
            )

    # -- commands ---------------------------------------------------------------------------

    def add(
        self, ctx: CommandContext, store_id: UUID, ref: CartRef, *, sku: str, quantity: int
    ) -> CommandResult:
        check_line_quantity(quantity)
        variant = self._variant(store_id, sku)
        guest_id = uuid4() if ref.is_new_guest else None
        target = CartRef(cart_id=guest_id) if guest_id else ref

        def decide(at: datetime) -> Decision:
            cart = self._cart_for_change(store_id, target, at)
            self._check_stock(
                store_id, cart, variant["sku"], cart.quantity_of(variant["sku"]) + quantity, at
            )
            cart.add(
                sku=variant["sku"],
                product_id=variant["product_id"],
                title=variant["title"],
                quantity=quantity,
                unit_price=variant["unit_price"],
                attributes=variant["attributes"],
                weight_grams=variant["weight_grams"],
                tax_category=variant["tax_category"],
                at=at,
            )
            return Decision(cart)

        return self.platform.execute(ctx.for_store(store_id), "AddToCart", decide)

    def change_quantity(
        self, ctx: CommandContext, store_id: UUID, ref: CartRef, *, sku: str, quantity: int
    ) -> CommandResult:
        check_line_quantity(quantity)

        def decide(at: datetime) -> Decision:
            cart = self._existing(store_id, ref)
            if sku not in cart.lines:
                raise CartLineNotFoundError(f"no line for SKU {sku!r} in the cart", sku=sku)
            if quantity > cart.quantity_of(sku):
                self._check_stock(store_id, cart, sku, quantity, at)
            cart.change_quantity(sku=sku, quantity=quantity, at=at)
            return Decision(cart)

        return self.platform.execute(ctx.for_store(store_id), "ChangeCartQuantity", decide)

    def remove(
        self, ctx: CommandContext, store_id: UUID, ref: CartRef, *, sku: str
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            cart = self._existing(store_id, ref)
            cart.remove(sku=sku, at=at)
            return Decision(cart)

        return self.platform.execute(ctx.for_store(store_id), "RemoveFromCart", decide)

    def clear(self, ctx: CommandContext, store_id: UUID, ref: CartRef) -> CommandResult:
        def decide(at: datetime) -> Decision:
            cart = self._existing(store_id, ref)
            cart.clear(reason="customer", at=at)
            return Decision(cart)

        return self.platform.execute(ctx.for_store(store_id), "ClearCart", decide)

    def merge_guest_cart(
        self, ctx: CommandContext, store_id: UUID, guest: CartRef, customer_id: UUID
    ) -> CommandResult | None:
        """At login: the guest's lines join the customer's cart (quantities add up, capped by
        what is available), and the guest cart is emptied. One save for both."""
        guest_cart = self.find(store_id, guest)
        if guest_cart is None or not guest_cart.lines or guest_cart.customer_id is not None:
            return None

        def decide(at: datetime) -> Decision:
            source = self.find(store_id, guest)
            if source is None:
                raise NotFoundError("no such cart")
            cart = self._cart_for_change(store_id, CartRef(customer_id=customer_id), at)
            for line in source.lines.values():
                available = self._available(store_id, cart, line["sku"], at)
                wanted = min(
                    int(line["quantity"]), max(available - cart.quantity_of(line["sku"]), 0)
                )
                if wanted > 0:
                    cart.add(
                        sku=line["sku"],
                        product_id=line["product_id"],
                        title=line["title"],
                        quantity=wanted,
                        unit_price=int(line["unit_price"]),
                        attributes=dict(line["attributes"]),
                        weight_grams=int(line["weight_grams"]),
                        tax_category=line.get("tax_category"),
                        at=at,
                    )
            source.clear(reason="merged", at=at)
            return Decision(cart, touched=[source])

        return self.platform.execute(ctx.for_store(store_id), "MergeCarts", decide)

    def _existing(self, store_id: UUID, ref: CartRef) -> Cart:
        cart = self.find(store_id, ref)
        if cart is None:
            raise NotFoundError("the cart is empty", cart="none")
        return cart
