"""A Luxembourg shop on the in-memory world that sells books (3%) and tea (17%), taxed at
checkout by the real VAT engine (prices including VAT, as consumers see them), with its
invoicing set up: what the invoices' tests buy from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application.cart.app import CartRef
from domain.tax.policies import Buyer, Seller, TaxLine, TaxResult, tax_sale
from domain.tax.policies import supply_date as local_day
from tests.unit.application.world import World

SELLER_VAT = "LU26375245"
BUYER_VAT = "FR40303265045"
SETTINGS: dict[str, Any] = {
    "legal_name": "Golden Books Sàrl",
    "address": {
        "line1": "12 rue de la Gare",
        "postal_code": "L-1611",
        "city": "Luxembourg",
        "country": "LU",
    },
    "registration_number": "B123456",
    "iban": "LU280019400644750000",
    "bic": "BCEELULL",
    "payment_terms_days": 14,
    "series_prefix": "INV",
}
BOOK, TEA = "BOOK-1", "TEA-1"
PRICES = {BOOK: 1000, TEA: 499}
SHIPPING = 490


@dataclass
class EngineTax:
    """The checkout's TaxPolicy by the VAT engine, for one seller (above the distance-sales
    threshold unless ``oss_opt_in`` is off and the figures are low)."""

    seller_vat: str | None = SELLER_VAT
    oss_opt_in: bool = True
    prices_include_vat: bool = True
    asked: list[str] = field(default_factory=list)

    def tax_checkout(
        self,
        *,
        store_id: UUID,
        store_country: str,
        lines: Sequence[TaxLine],
        shipping: int,
        buyer_country: str,
        buyer_vat_number: str | None,
        at: datetime,
    ) -> TaxResult:
        self.asked.append(buyer_country)
        seller = Seller(
            country=store_country,
            vat_number=self.seller_vat,
            oss_opt_in=self.oss_opt_in,
            cross_border_previous_year=0,
            cross_border_current_year=0,
        )
        return tax_sale(
            seller=seller,
            buyer=Buyer(country=buyer_country, vat_number=buyer_vat_number),
            lines=lines,
            shipping=shipping,
            prices_include_vat=self.prices_include_vat,
            on=local_day(at, store_country),
        )


def taxed_world(**tax: Any) -> World:
    world = World()
    world.checkout.tax = EngineTax(**tax)
    return world


def open_shop(world: World, code: str = "books", *, settings: bool = True) -> tuple[UUID, UUID]:
    """(store id, shipping rate id) of a shop selling BOOK (books) and TEA (standard)."""
    store_id = world.new_store(code)
    for sku, category in ((BOOK, "books"), (TEA, "standard")):
        made = world.catalog.create_product(
            world.ctx,
            store_id,
            title=f"Product {sku}",
            tax_category=category,
            variants=[
                {"sku": sku, "price": {"amount": PRICES[sku], "currency": "EUR"}, "attributes": {}}
            ],
        )
        world.catalog.publish(world.ctx, store_id, made.id)
        world.inventory.receive(world.ctx, store_id, sku=sku, quantity=500)
    if settings:
        world.invoicing.change_settings(world.ctx, store_id, dict(SETTINGS))
    return store_id, world.flat_rate(store_id, SHIPPING)


def billing(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Marie",
        "last_name": "Curie",
        "line1": "1 place du Panthéon",
        "city": "Paris",
        "postal_code": "75005",
        "country": "FR",
        **changes,
    }


def buy(
    world: World,
    store_id: UUID,
    rate: UUID,
    lines: dict[str, int],
    *,
    pay: bool = True,
    customer_id: UUID | None = None,
    **details: Any,
) -> UUID:
    """An order of ``lines`` shipped to Paris (billed to Marie Curie unless ``details`` say
    otherwise), paid in full when ``pay``."""
    if customer_id is not None:
        ref = CartRef(customer_id=customer_id)
        for sku, quantity in lines.items():
            world.carts.add(world.ctx, store_id, ref, sku=sku, quantity=quantity)
    else:
        ref = world.guest_cart(store_id, lines)
    details.setdefault("shipping_address", billing())
    placed = world.check_out(store_id, ref, rate, customer_id=customer_id, **details)
    if pay:
        world.orders.record_payment(
            world.ctx, store_id, placed.order_id, amount=placed.order.total, reference="T"
        )
    return placed.order_id
