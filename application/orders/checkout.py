"""Checkout: a cart becomes an order.

Checkout reserves every line's stock in the same ``save`` that places the order and empties the
cart: no order without its stock, no stock held without an order. Concurrent checkouts for the
same units conflict in the event store; each loser re-decides on fresh stock (``retrying``),
so the last units go to exactly as many orders as there are units, and the rest get a 409
naming the short lines. A store may also hold a cart's stock for a few minutes from the start
of checkout (``start``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from application.cart.app import CartRef, CartService
from application.catalog.app import CatalogService
from application.context import CommandContext
from application.inventory.app import InventoryService, retrying
from application.orders.app import OrderService
from application.orders.payments import Payments
from application.orders.settings import CommerceSettingsService
from application.platform import CommandResult, Decision, Platform
from application.repository import KEPT
from application.shipping.app import ShippingService
from domain.identity.aggregates import Customer
from domain.identity.values import Address, normalise_email
from domain.inventory.aggregates import StockItem
from domain.inventory.policies import allocate, check_allocated
from domain.inventory.values import checkout_hold_id
from domain.orders.aggregates import Order
from domain.orders.policies import TaxPolicy, ZeroTax, compute_totals, priced_lines, tax_lines
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.shared.personal import PersonalData
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError


@dataclass
class CheckoutDetails:
    shipping_rate_id: UUID
    payment_method: str
    email: str | None = None  # guests; a customer's comes from their profile
    shipping_address: dict[str, Any] | None = None
    shipping_address_id: UUID | None = None
    billing_address: dict[str, Any] | None = None  # neither given: same as shipping
    billing_address_id: UUID | None = None


@dataclass(frozen=True)
class Placed:
    result: CommandResult
    order_id: UUID
    order: Order  # as placed (for a replayed Idempotency-Key too: the version it answered)
    payment: dict[str, Any] = field(default_factory=dict)


# The reservation id of a cart's checkout hold (one per cart), which the cart counts too.
hold_id = checkout_hold_id


class CheckoutService:
    def __init__(
        self,
        platform: Platform,
        orders: OrderService,
        inventory: InventoryService,
        carts: CartService,
        shipping: ShippingService,
        commerce: CommerceSettingsService,
        personal: PersonalData,
        payments: Payments,
        tax: TaxPolicy | None = None,
        *,
        catalog: CatalogService,
    ) -> None:
        self.platform = platform
        self.orders = orders
        self.inventory = inventory
        self.carts = carts
        self.shipping = shipping
        self.commerce = commerce
        self.personal = personal
        self.payments = payments
        self.tax: TaxPolicy = tax or ZeroTax()
        self.catalog = catalog

    def _store(self, store_id: UUID) -> Store:
        store = self.platform.find(Store, store_id)
        if store is None or not store.is_active:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return store

    def _addresses(
        self, store_id: UUID, customer_id: UUID | None, details: CheckoutDetails
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """E-mail, shipping and billing address, from the request or the customer's book."""
        customer = None
        if customer_id is not None:
            customer = self.platform.find(Customer, customer_id)
            if customer is None or customer.store_id != store_id or not customer.is_active:
                raise NotFoundError("no such customer")

        def saved(address_id: UUID, field_name: str) -> dict[str, Any]:
            sealed = customer.addresses.get(address_id) if customer else None
            data = self.personal.open(customer.id, sealed) if customer and sealed else None
            if data is None:
                raise ValidationError(field_name, "is not one of your saved addresses")
            return data

        def address(
            given: dict[str, Any] | None, saved_id: UUID | None, field_name: str
        ) -> dict[str, Any] | None:
            if given is not None and saved_id is not None:
                raise ValidationError(field_name, "give an address or a saved address id, not both")
            if saved_id is not None:
                return saved(saved_id, f"{field_name}_id")
            if given is not None:
                return Address.parse(given, field_name).as_dict()
            return None

        shipping = address(
            details.shipping_address, details.shipping_address_id, "shipping_address"
        )
        if shipping is None and customer is not None and customer.default_shipping:
            shipping = saved(customer.default_shipping, "shipping_address_id")
        if shipping is None:
            raise ValidationError("shipping_address", "is required")
        billing = address(details.billing_address, details.billing_address_id, "billing_address")
        if billing is None:
            billing = shipping
        if customer is not None:
            profile = self.personal.open(customer.id, customer.sealed) or {}
            email = str(profile.get("email") or "")
        else:
            if not details.email:
                raise ValidationError("email", "is required for a guest checkout")
            email = normalise_email(details.email)
        return email, shipping, billing

    def _tax_category(self, store_id: UUID, line: dict[str, Any]) -> str:
        """The category the line is taxed by: as the product had it when added to the cart; for
        a line added before carts kept it, the product's category now."""
        if line.get("tax_category"):
            return str(line["tax_category"])
        found = self.catalog.product_for_sku(store_id, str(line["sku"]))
        if found is None:
            raise NotFoundError(f"nothing on sale under SKU {line['sku']!r}", sku=line["sku"])
        return str(found[0].tax_category)

    def place(
        self,
        ctx: CommandContext,
        store_id: UUID,
        ref: CartRef,
        details: CheckoutDetails,
        *,
        customer_id: UUID | None = None,
    ) -> Placed:
        if not ctx.idempotency_key:
            raise ValidationError(
                "Idempotency-Key", "is required on checkout, so that a retry never orders twice"
            )
        self.payments.check(details.payment_method)
        order_id = uuid4()
        subject = customer_id or order_id
        sealed: list[str] = []

        def decide(at: datetime) -> Decision:
            # Read KEPT (below): the store, its settings, rates and locations as read within
            # the last second (checkout never changes them); the cart and the stock items as
            # this process last saved them, if it did (the save checks their versions).
            store = self._store(store_id)
            email, shipping, billing = self._addresses(store_id, customer_id, details)
            settings = self.commerce.settings(store_id)
            timeout = timedelta(hours=settings["payment_timeout_hours"])
            # A store that holds stock from the start of checkout: the cart's holds on the
            # items the order does not draw on are let go too (the stock came back where it
            # draws first).
            holds = bool(settings["checkout_hold_minutes"])
            cart = self.carts.find_own(store_id, ref)
            if cart is None or not cart.lines:
                raise ConflictError("the cart is empty")
            lines = [
                {**line, "tax_category": self._tax_category(store_id, line)}
                for line in priced_lines(list(cart.lines.values()))
            ]
            rates = self.shipping.rates(store_id)
            country = shipping["country"]
            quotes = (
                rates.quotes(
                    country=country, subtotal=cart.subtotal, weight_grams=cart.weight_grams
                )
                if rates
                else []
            )
            quote = next((q for q in quotes if q["rate_id"] == details.shipping_rate_id), None)
            if quote is None:
                raise ValidationError(
                    "shipping_rate_id",
                    f"is not a shipping rate of this store for {country}; "
                    f"choose one of: {', '.join(str(q['rate_id']) for q in quotes) or 'none'}",
                )
            held_for_cart = hold_id(cart.id)
            locations = self.inventory.location_ids(store_id)
            # Read as long as some is needed (or a hold may be let go): a kept copy read and
            # not saved makes the platform decide again on fresh reads.
            allocations = [
                allocate(
                    line["sku"],
                    int(line["quantity"]),
                    self.inventory.iter_items(store_id, line["sku"], locations),
                    at=at,
                    holder=held_for_cart,  # this cart's own hold counts as available to it
                    read_all=holds,
                )
                for line in lines
            ]
            check_allocated(allocations)
            items: dict[UUID, StockItem] = {}
            for line, allocation in zip(lines, allocations, strict=True):
                line["allocations"] = []
                for item, take in allocation.parts:
                    item = items.setdefault(item.id, item)
                    item.release(reservation_id=held_for_cart, reason="checkout", at=at)
                    # One item per SKU and location, so one reservation per item and order.
                    item.reserve(
                        reservation_id=order_id,
                        quantity=take,
                        order_id=order_id,
                        expires_at=None,
                        at=at,
                    )
                    line["allocations"].append({"location_id": item.location_id, "quantity": take})
            for allocation in allocations:
                for item in allocation.read:
                    if item.id not in items and str(held_for_cart) in item.reservations:
                        items[item.id] = item
                        item.release(reservation_id=held_for_cart, reason="checkout", at=at)
            # Sealed once the order will be placed (a refused checkout leaves no key behind),
            # and once only, whatever the retries.
            if not sealed:
                contact = {"email": email, "shipping_address": shipping, "billing_address": billing}
                sealed.append(self.personal.seal(subject, contact))
            # VAT where the goods go (distance sales); a business buyer's number from the
            # billing address. Worked out once per decision: a retry may see other figures.
            taxed = self.tax.tax_checkout(
                store_id=store_id,
                store_country=store.country,
                lines=tax_lines(lines),
                shipping=int(quote["amount"]),
                buyer_country=country,
                buyer_vat_number=billing.get("vat_number"),
                at=at,
            )
            totals = compute_totals(lines, shipping=int(quote["amount"]), tax=taxed)
            order = Order.place(
                order_id=order_id,
                store_id=store_id,
                customer_id=customer_id,
                cart_id=cart.id,
                currency=cart.currency,
                lines=[
                    {
                        "sku": line["sku"],
                        "product_id": line["product_id"],
                        "title": line["title"],
                        "quantity": line["quantity"],
                        "unit_price": line["unit_price"],
                        "line_total": line["line_total"],
                        "tax_category": line["tax_category"],
                        "attributes": dict(line["attributes"]),
                        "allocations": line["allocations"],
                    }
                    for line in lines
                ],
                totals=totals.as_dict(),
                shipping_method={
                    "rate_id": quote["rate_id"],
                    "name": quote["name"],
                    "amount": quote["amount"],
                },
                payment_method=details.payment_method,
                sealed_contact=sealed[0],
                subject_id=subject,
                destination_country=country,
                payment_due_at=at + timeout,
                at=at,
                tax=taxed.as_dict(),
            )
            cart.check_out(order_id=order_id, at=at)
            placed.append(order)
            return Decision(order, touched=[cart, *items.values()])

        placed: list[Order] = []
        result = self.platform.execute(
            ctx.for_store(store_id), "Checkout", retrying(decide), reads=KEPT
        )
        # The order just saved is the one in hand. A replayed key answers what the first
        # attempt answered: the order as it was placed, not as it has become since (paid…).
        if placed and not result.replayed:
            order = placed[-1]
        else:
            order = self.orders.get(store_id, result.id, version=result.version)
        return Placed(result, result.id, order, self.payments.instructions(order))

    def start(
        self, ctx: CommandContext, store_id: UUID, ref: CartRef
    ) -> tuple[CommandResult | None, datetime | None]:
        """Holds the cart's stock for the store's ``checkout_hold_minutes`` (none when 0). The
        hold expires on its own; starting again renews it."""
        minutes = self.commerce.settings(store_id)["checkout_hold_minutes"]
        if not minutes:
            return None, None
        made: dict[str, datetime] = {}

        def decide(at: datetime) -> Decision:
            cart = self.carts.find_own(store_id, ref)
            if cart is None or not cart.lines:
                raise ConflictError("the cart is empty")
            held = hold_id(cart.id)
            expires = at + timedelta(minutes=minutes)
            made["expires"] = expires
            allocations = [
                allocate(
                    line["sku"],
                    int(line["quantity"]),
                    self.inventory.items(store_id, line["sku"]),
                    at=at,
                    holder=held,  # renewed: the hold it has counts as its own
                    read_all=True,  # every item's old hold is let go
                )
                for line in cart.lines.values()
            ]
            check_allocated(allocations)
            touched: list[StockItem] = []
            for allocation in allocations:
                taken = {item.id: units for item, units in allocation.parts}
                for item in allocation.read:
                    item.release(reservation_id=held, reason="renewed", at=at)
                    if taken.get(item.id):
                        item.reserve(
                            reservation_id=held,
                            quantity=taken[item.id],
                            order_id=None,
                            expires_at=expires,
                            at=at,
                        )
                    touched.append(item)
            return Decision(cart, touched=touched)

        result = self.platform.execute(ctx.for_store(store_id), "StartCheckout", retrying(decide))
        return result, made.get("expires")
