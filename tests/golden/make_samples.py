"""Writes the golden sample of each event class, as the event store keeps it: written once, kept.

Run from the repository root: ``.venv/bin/python -m tests.golden.make_samples``. It writes the
samples that are missing and never overwrites one: a sample is the record of what an old event
looks like, and events are forever. When an event class is added, add a scenario below (named
``<Aggregate>.<Event>``, ending with that event) and run the script; when an event's shape
changes, bump its ``class_version``, add an upcaster and add a scenario for the new version
(``<Aggregate>.<Event>.v2``): the old sample stays, and must still replay.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.utils import get_topic

from application.context import CommandContext
from application.platform import OrionApplication
from domain.cart.aggregates import Cart
from domain.catalog.aggregates import Product, SkuClaim
from domain.identity.aggregates import (
    ApiKey,
    Customer,
    EmailClaim,
    LoginAttempt,
    Session,
    Team,
    User,
)
from domain.inventory.aggregates import Locations, StockItem
from domain.invoices.aggregates import Invoice, InvoiceSeries, InvoicingSettings
from domain.orders.aggregates import CommerceSettings, Order
from domain.shared.aggregate import OrionAggregate
from domain.shared.idempotency import IdempotencyRecord
from domain.shared.ids import idempotency_record_id
from domain.shipping.aggregates import ShippingRates
from domain.stores.aggregates import Store
from domain.tax.aggregates import TaxSettings
from domain.tax.policies import Buyer, Seller, TaxLine, tax_sale

EVENTS_DIR = Path(__file__).parent / "events"
T0 = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
STORE_CODE = "golden-shop"
STORE_ID = Store.id_for_code(STORE_CODE)
PRODUCT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
OTHER_PRODUCT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")
CONTEXT = CommandContext(
    actor="admin:golden", correlation_id="golden-sample", idempotency_key="golden-key"
).for_store(STORE_ID)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- scenarios: each builds one aggregate whose last event is the sampled one ---------------------


def registered_store() -> Store:
    return Store.register(
        code=STORE_CODE,
        name="Golden Shop",
        country="LU",
        currency="EUR",
        locale="fr_LU",
        at=at(0),
    )


def details_changed() -> Store:
    store = registered_store()
    store.change_details(name="Golden Shop Sàrl", country="BE", locale="nl_BE", at=at(1))
    return store


def suspended_store() -> Store:
    store = registered_store()
    store.suspend(reason="unpaid invoices", at=at(1))
    return store


def reactivated_store() -> Store:
    store = suspended_store()
    store.reactivate(at=at(2))
    return store


def variant(sku: str, amount: int, **attributes: str) -> dict[str, Any]:
    return {"sku": sku, "price": {"amount": amount, "currency": "EUR"}, "attributes": attributes}


def created_product() -> Product:
    return Product.create(
        store_id=STORE_ID,
        currency="EUR",
        title="Café crème 500 g",
        description="Whole beans ☕\nRoasted in Luxembourg.",
        tax_category="reduced",
        variants=[variant("CAF-500", 1290, grind="beans"), variant("CAF-500-G", 1350)],
        at=at(0),
        product_id=PRODUCT_ID,
    )


def edited_product() -> Product:
    product = created_product()
    product.edit(
        currency="EUR",
        at=at(1),
        title="Café crème 1 kg",
        description="Whole beans.",
        tax_category="standard",
        variants=[variant("CAF-1000", 2390, grind="beans", origin="Brazil")],
    )
    return product


def published_product() -> Product:
    product = created_product()
    product.publish(at=at(1))
    return product


def unpublished_product() -> Product:
    product = published_product()
    product.unpublish(at=at(2))
    return product


def archived_product() -> Product:
    product = published_product()
    product.archive(at=at(2))
    return product


def claimed_sku() -> SkuClaim:
    return SkuClaim.claim_new(store_id=STORE_ID, sku="CAF-500", product_id=PRODUCT_ID, at=at(0))


def released_sku() -> SkuClaim:
    claim = claimed_sku()
    claim.release(product_id=PRODUCT_ID, at=at(1))
    return claim


def reclaimed_sku() -> SkuClaim:
    claim = released_sku()
    claim.reclaim(product_id=OTHER_PRODUCT_ID, at=at(2))
    return claim


def idempotency_record() -> IdempotencyRecord:
    return IdempotencyRecord.record(
        record_id=idempotency_record_id("admin:golden:CreateProduct", "golden-key"),
        fingerprint="sha256:5f2b9c0e",
        result_id=PRODUCT_ID,
        result_version=1,
        at=at(0),
    )


# -- identity: sealed fields hold fixed fake strings (samples are about the events' shape) -------

USER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b01")
OTHER_USER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b02")
CUSTOMER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b03")
INVITATION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b04")
KEY_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b05")
SESSION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b06")
ATTEMPT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b07")
RESET_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b08")
ADDRESS_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b09")
OTHER_ADDRESS_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b0a")
EMAIL_INDEX = "ei1.golden-blind-index"


def claimed_email() -> EmailClaim:
    return EmailClaim.claim_new(
        scope="platform", email_index=EMAIL_INDEX, owner_id=USER_ID, at=at(0)
    )


def released_email() -> EmailClaim:
    claim = claimed_email()
    claim.release(owner_id=USER_ID, at=at(1))
    return claim


def reclaimed_email() -> EmailClaim:
    claim = released_email()
    claim.reclaim(owner_id=OTHER_USER_ID, at=at(2))
    return claim


def registered_user() -> User:
    return User.register(
        user_id=USER_ID,
        sealed="pd1.golden-user-profile",
        credentials="pd1.golden-user-credentials",
        email_index=EMAIL_INDEX,
        platform_admin=True,
        at=at(0),
    )


def registered_customer() -> Customer:
    return Customer.register(
        customer_id=CUSTOMER_ID,
        store_id=STORE_ID,
        sealed="pd1.golden-customer-profile",
        credentials="pd1.golden-customer-credentials",
        email_index=EMAIL_INDEX,
        language="fr_LU",
        marketing_consent=False,
        at=at(0),
    )


# What users and customers share, built for either.
AccountT = TypeVar("AccountT", User, Customer)


def profile_changed(account: AccountT) -> AccountT:
    account.change_profile(sealed="pd1.golden-changed-profile", at=at(1))
    return account


def password_changed(account: AccountT) -> AccountT:
    account.change_password(credentials="pd1.golden-new-credentials", at=at(1))
    return account


def reset_requested(account: AccountT) -> AccountT:
    account.request_password_reset(reset_id=RESET_ID, expires_at=at(60), at=at(1))
    return account


def password_reset(account: AccountT) -> AccountT:
    reset_requested(account).reset_password(
        reset_id=RESET_ID, credentials="pd1.golden-reset-credentials", at=at(2)
    )
    return account


def disabled(account: AccountT) -> AccountT:
    account.disable(reason="chargebacks", at=at(1))
    return account


def enabled(account: AccountT) -> AccountT:
    disabled(account).enable(at=at(2))
    return account


def erased(account: AccountT) -> AccountT:
    account.erase(by="self", at=at(1))
    return account


def platform_admin_changed() -> User:
    user = registered_user()
    user.set_platform_admin(False, at=at(1))
    return user


def preferences_changed() -> Customer:
    customer = registered_customer()
    customer.change_preferences(language="de_LU", marketing_consent=True, at=at(1))
    return customer


def first_address() -> Customer:
    """The first address: added, then made the default for shipping and for billing."""
    customer = registered_customer()
    customer.add_address(
        address_id=ADDRESS_ID,
        sealed="pd1.golden-address",
        default_shipping=False,
        default_billing=False,
        at=at(1),
    )
    return customer


def address_added() -> Customer:
    customer = first_address()
    customer.add_address(
        address_id=OTHER_ADDRESS_ID,
        sealed="pd1.golden-other-address",
        default_shipping=False,
        default_billing=False,
        at=at(2),
    )
    return customer


def address_changed() -> Customer:
    customer = first_address()
    customer.change_address(address_id=ADDRESS_ID, sealed="pd1.golden-moved-address", at=at(2))
    return customer


def address_removed() -> Customer:
    customer = address_added()
    customer.remove_address(address_id=OTHER_ADDRESS_ID, at=at(3))
    return customer


def formed_team() -> Team:
    return Team.form(store_id=STORE_ID, at=at(0))


def invitation_sent() -> Team:
    team = formed_team()
    team.invite(
        invitation_id=INVITATION_ID,
        sealed_email="pd1.golden-invitation-email",
        email_index=EMAIL_INDEX,
        role="staff",
        expires_at=at(60 * 24 * 7),
        by_role="owner",
        at=at(1),
    )
    return team


def invitation_accepted() -> Team:
    team = invitation_sent()
    team.accept(invitation_id=INVITATION_ID, user_id=USER_ID, at=at(2))
    return team


def invitation_revoked() -> Team:
    team = invitation_sent()
    team.revoke_invitation(invitation_id=INVITATION_ID, at=at(2))
    return team


def role_changed() -> Team:
    team = invitation_accepted()
    team.change_role(user_id=USER_ID, role="manager", by_role="owner", at=at(3))
    return team


def member_removed() -> Team:
    team = invitation_accepted()
    team.remove(user_id=USER_ID, by_role="owner", at=at(3))
    return team


def created_api_key() -> ApiKey:
    return ApiKey.create(
        key_id=KEY_ID,
        store_id=STORE_ID,
        name="ERP sync",
        role="manager",
        secret_hash="sha256:golden-secret-hash",
        prefix="ork_0190a1b2",
        at=at(0),
    )


def revoked_api_key() -> ApiKey:
    key = created_api_key()
    key.revoke(at=at(1))
    return key


def started_session() -> Session:
    return Session.start(
        session_id=SESSION_ID,
        account_kind="customer",
        account_id=CUSTOMER_ID,
        store_id=STORE_ID,
        credentials_version=1,
        refresh_hash="sha256:golden-refresh-hash",
        expires_at=at(60 * 24 * 30),
        at=at(0),
    )


def refreshed_session() -> Session:
    session = started_session()
    session.refresh(refresh_hash="sha256:golden-next-hash", expires_at=at(60 * 24 * 31), at=at(1))
    return session


def ended_session() -> Session:
    session = refreshed_session()
    session.end(reason="logout", at=at(2))
    return session


def failed_login() -> LoginAttempt:
    return LoginAttempt.failed(
        attempt_id=ATTEMPT_ID,
        scope="platform",
        account_id=USER_ID,
        reason="wrong_password",
        at=at(0),
    )


def for_user(step: Callable[[User], User]) -> Callable[[], User]:
    return lambda: step(registered_user())


def for_customer(step: Callable[[Customer], Customer]) -> Callable[[], Customer]:
    return lambda: step(registered_customer())


# -- inventory: a store's locations and a stock item's movements -----------------------------------

MAIN_LOCATION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c01")
SHOP_LOCATION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c02")
HOLD_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c03")
STOCK_ORDER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c04")


def created_locations() -> Locations:
    return Locations.create(store_id=STORE_ID, at=at(0))


def location_added() -> Locations:
    locations = created_locations()
    locations.add(location_id=MAIN_LOCATION_ID, code="main", name="Main", at=at(0))
    return locations


def default_location_changed() -> Locations:
    locations = location_added()
    locations.add(
        location_id=SHOP_LOCATION_ID, code="shop-lux", name="Boutique Luxembourg-Ville", at=at(1)
    )
    locations.make_default(location_id=SHOP_LOCATION_ID, at=at(2))
    return locations


def created_stock_item() -> StockItem:
    return StockItem.create(
        store_id=STORE_ID, location_id=MAIN_LOCATION_ID, sku="CAF-500", at=at(0)
    )


def received_stock() -> StockItem:
    item = created_stock_item()
    item.receive(quantity=24, reference="PO-2024-001", at=at(1))
    return item


def adjusted_stock() -> StockItem:
    item = received_stock()
    item.adjust(delta=-2, reason="damage", note="crushed box", at=at(2))
    return item


def reserved_stock() -> StockItem:
    """A checkout's hold (it expires), then an order's reservation (it does not)."""
    item = received_stock()
    item.reserve(reservation_id=HOLD_ID, quantity=2, order_id=None, expires_at=at(17), at=at(2))
    item.reserve(
        reservation_id=STOCK_ORDER_ID,
        quantity=3,
        order_id=STOCK_ORDER_ID,
        expires_at=None,
        at=at(3),
    )
    return item


def released_stock() -> StockItem:
    item = reserved_stock()
    item.release(reservation_id=HOLD_ID, reason="checkout", at=at(4))
    return item


def committed_stock() -> StockItem:
    item = reserved_stock()
    item.commit(reservation_id=STOCK_ORDER_ID, quantity=3, at=at(4))
    return item


def returned_stock() -> StockItem:
    item = committed_stock()
    item.return_to_stock(quantity=1, order_id=STOCK_ORDER_ID, reason="return", at=at(5))
    return item


def threshold_changed() -> StockItem:
    item = received_stock()
    item.set_threshold(threshold=5, at=at(2))
    return item


# -- carts, shipping rates and commerce settings --------------------------------------------------

GUEST_CART_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d01")
CART_ORDER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d02")
RATE_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d03")
OTHER_RATE_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d04")


def created_cart() -> Cart:
    return Cart.create(
        cart_id=GUEST_CART_ID, store_id=STORE_ID, customer_id=None, currency="EUR", at=at(0)
    )


def add_coffee(cart: Cart, minutes: int, sku: str = "CAF-500", quantity: int = 2) -> Cart:
    cart.add(
        sku=sku,
        product_id=PRODUCT_ID,
        title="Café crème 500 g",
        quantity=quantity,
        unit_price=1290,
        attributes={"grind": "beans", "weight_grams": "500"},
        weight_grams=500,
        tax_category="food",
        at=at(minutes),
    )
    return cart


def cart_line_added() -> Cart:
    return add_coffee(created_cart(), 1)


def cart_quantity_changed() -> Cart:
    cart = cart_line_added()
    cart.change_quantity(sku="CAF-500", quantity=3, at=at(2))
    return cart


def cart_line_removed() -> Cart:
    cart = add_coffee(cart_line_added(), 2, sku="CAF-500-G", quantity=1)
    cart.remove(sku="CAF-500-G", at=at(3))
    return cart


def cart_cleared() -> Cart:
    """A guest's cart, emptied when it was merged into the customer's at sign-in."""
    cart = cart_line_added()
    cart.clear(reason="merged", at=at(2))
    return cart


def cart_checked_out() -> Cart:
    """A customer's cart (its id derived from the customer's), checked out into an order."""
    cart = Cart.create(store_id=STORE_ID, customer_id=CUSTOMER_ID, currency="EUR", at=at(0))
    add_coffee(cart, 1)
    cart.check_out(order_id=CART_ORDER_ID, at=at(2))
    return cart


def created_rates() -> ShippingRates:
    return ShippingRates.create(store_id=STORE_ID, at=at(0))


def rate_set() -> ShippingRates:
    rates = created_rates()
    rates.set_rate(
        rate_id=RATE_ID,
        spec={
            "name": "Colis Benelux",
            "kind": "weight",
            "countries": ["LU", "BE", "NL"],
            "bands": [{"max_grams": 2000, "amount": 690}, {"max_grams": 10000, "amount": 1290}],
        },
        at=at(1),
    )
    return rates


def rate_removed() -> ShippingRates:
    rates = rate_set()
    rates.set_rate(
        rate_id=OTHER_RATE_ID,
        spec={"name": "Free over 50 €", "kind": "free_over", "amount": 490, "free_over": 5000},
        at=at(2),
    )
    rates.remove_rate(rate_id=OTHER_RATE_ID, at=at(3))
    return rates


def created_commerce_settings() -> CommerceSettings:
    return CommerceSettings.create(store_id=STORE_ID, at=at(0))


def commerce_settings_changed() -> CommerceSettings:
    settings = created_commerce_settings()
    settings.change(values={"checkout_hold_minutes": 15, "payment_timeout_hours": 48}, at=at(1))
    return settings


# -- orders: placed at checkout, then paid, processed, shipped, delivered, cancelled, refunded ---

ORDER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e01")
PAYMENT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e02")
SHIPMENT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e03")
REFUND_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e04")
NOTE_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e05")
ORDER_CART_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e06")
ORDER_RATE_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e07")
ORDER_LOCATION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e08")
BACKROOM_LOCATION_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e09")
ORDER_CUSTOMER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4e0a")


# The VAT of the golden order (v2 of Order.Placed keeps it): a sale at home in Luxembourg,
# prices with VAT, coffee and tea at the food rate.
ORDER_TAX = tax_sale(
    seller=Seller("LU", "LU26375245", False, 0, 0),
    buyer=Buyer("LU"),
    lines=[TaxLine("CAF-500", "food", 1290, 3), TaxLine("TEA-100", "food", 650, 1)],
    shipping=490,
    prices_include_vat=True,
    on=at(0).date(),
)


def placed_order() -> Order:
    return Order.place(
        order_id=ORDER_ID,
        store_id=STORE_ID,
        customer_id=ORDER_CUSTOMER_ID,
        cart_id=ORDER_CART_ID,
        currency="EUR",
        lines=[
            {
                "sku": "CAF-500",
                "product_id": PRODUCT_ID,
                "title": "Café crème 500 g",
                "quantity": 3,
                "unit_price": 1290,
                "line_total": 3870,
                "tax_category": "food",
                "attributes": {"grind": "beans"},
                "allocations": [
                    {"location_id": ORDER_LOCATION_ID, "quantity": 2},
                    {"location_id": BACKROOM_LOCATION_ID, "quantity": 1},
                ],
            },
            {
                "sku": "TEA-100",
                "product_id": OTHER_PRODUCT_ID,
                "title": "Thé vert",
                "quantity": 1,
                "unit_price": 650,
                "line_total": 650,
                "tax_category": "food",
                "attributes": {},
                "allocations": [{"location_id": ORDER_LOCATION_ID, "quantity": 1}],
            },
        ],
        totals={
            "subtotal": 4520,
            "shipping": 490,
            "discount": 0,
            "tax": ORDER_TAX.vat,
            "total": ORDER_TAX.gross,
        },
        shipping_method={"rate_id": ORDER_RATE_ID, "name": "Post Luxembourg", "amount": 490},
        payment_method="manual",
        sealed_contact="v1.golden-sealed-contact",
        subject_id=ORDER_CUSTOMER_ID,
        destination_country="LU",
        payment_due_at=at(60 * 72),
        at=at(0),
        tax=ORDER_TAX.as_dict(),
    )


def order_paid() -> Order:
    order = placed_order()
    order.record_payment(
        payment_id=PAYMENT_ID, amount=5010, method="manual", reference="VIR-2024-001", at=at(1)
    )
    return order


def order_processing() -> Order:
    order = order_paid()
    order.start_processing(at=at(2))
    return order


def order_shipped() -> Order:
    order = order_processing()
    order.ship(
        shipment_id=SHIPMENT_ID,
        carrier="Post Luxembourg",
        tracking_number="LX123456789LU",
        lines=[{"sku": "CAF-500", "quantity": 3}],
        at=at(3),
    )
    return order


def order_delivered() -> Order:
    order = order_processing()
    order.ship(shipment_id=SHIPMENT_ID, carrier="DPD", tracking_number=None, lines=None, at=at(3))
    order.deliver(at=at(4))
    return order


def order_cancelled() -> Order:
    order = order_paid()
    order.cancel(reason="the customer changed their mind", at=at(2))
    return order


def order_refunded() -> Order:
    order = order_shipped()
    order.refund(
        refund_id=REFUND_ID,
        lines=[
            {"sku": "CAF-500", "quantity": 1, "restock": True},
            {"sku": "TEA-100", "quantity": 1, "restock": False},
        ],
        amount=None,
        reason="damaged in transit",
        at=at(5),
    )
    return order


def order_note_added() -> Order:
    order = placed_order()
    order.add_note(note_id=NOTE_ID, text="Gift wrap, please ✨", author="member:golden", at=at(1))
    return order


SCENARIOS: dict[str, Callable[[], OrionAggregate]] = {
    "Store.Registered": registered_store,
    "Store.DetailsChanged": details_changed,
    "Store.Suspended": suspended_store,
    "Store.Reactivated": reactivated_store,
    "Product.Created": created_product,
    "Product.Edited": edited_product,
    "Product.Published": published_product,  # recorded as v1: kept, must still replay
    "Product.Published.v2": published_product,
    "Product.Unpublished": unpublished_product,
    "Product.Archived": archived_product,
    "SkuClaim.Claimed": claimed_sku,
    "SkuClaim.Released": released_sku,
    "SkuClaim.Reclaimed": reclaimed_sku,
    "IdempotencyRecord.Recorded": idempotency_record,
    "EmailClaim.Claimed": claimed_email,
    "EmailClaim.Released": released_email,
    "EmailClaim.Reclaimed": reclaimed_email,
    "User.Registered": registered_user,
    "User.ProfileChanged": for_user(profile_changed),
    "User.PasswordChanged": for_user(password_changed),
    "User.PasswordResetRequested": for_user(reset_requested),
    "User.PasswordReset": for_user(password_reset),
    "User.Disabled": for_user(disabled),
    "User.Enabled": for_user(enabled),
    "User.Erased": for_user(erased),
    "User.PlatformAdminChanged": platform_admin_changed,
    "Customer.Registered": registered_customer,
    "Customer.ProfileChanged": for_customer(profile_changed),
    "Customer.PasswordChanged": for_customer(password_changed),
    "Customer.PasswordResetRequested": for_customer(reset_requested),
    "Customer.PasswordReset": for_customer(password_reset),
    "Customer.Disabled": for_customer(disabled),
    "Customer.Enabled": for_customer(enabled),
    "Customer.Erased": for_customer(erased),
    "Customer.PreferencesChanged": preferences_changed,
    "Customer.AddressAdded": address_added,
    "Customer.AddressChanged": address_changed,
    "Customer.AddressRemoved": address_removed,
    "Customer.DefaultAddressChanged": first_address,
    "Team.Formed": formed_team,
    "Team.InvitationSent": invitation_sent,
    "Team.InvitationAccepted": invitation_accepted,
    "Team.InvitationRevoked": invitation_revoked,
    "Team.RoleChanged": role_changed,
    "Team.MemberRemoved": member_removed,
    "ApiKey.Created": created_api_key,
    "ApiKey.Revoked": revoked_api_key,
    "Session.Started": started_session,
    "Session.Refreshed": refreshed_session,
    "Session.Ended": ended_session,
    "LoginAttempt.Failed": failed_login,
    "Locations.Created": created_locations,
    "Locations.LocationAdded": location_added,
    "Locations.DefaultChanged": default_location_changed,
    "StockItem.Created": created_stock_item,
    "StockItem.Received": received_stock,
    "StockItem.Adjusted": adjusted_stock,
    "StockItem.Reserved": reserved_stock,
    "StockItem.ReservationReleased": released_stock,
    "StockItem.ReservationCommitted": committed_stock,
    "StockItem.Returned": returned_stock,
    "StockItem.ThresholdChanged": threshold_changed,
    "Cart.Created": created_cart,
    "Cart.LineAdded": cart_line_added,  # recorded as v1: kept, must still replay
    "Cart.LineAdded.v2": cart_line_added,
    "Cart.QuantityChanged": cart_quantity_changed,
    "Cart.LineRemoved": cart_line_removed,
    "Cart.Cleared": cart_cleared,
    "Cart.CheckedOut": cart_checked_out,
    "ShippingRates.Created": created_rates,
    "ShippingRates.RateSet": rate_set,
    "ShippingRates.RateRemoved": rate_removed,
    "CommerceSettings.Created": created_commerce_settings,
    "CommerceSettings.Changed": commerce_settings_changed,
    "Order.Placed": placed_order,  # recorded as v1: kept, must still replay
    "Order.Placed.v2": placed_order,
    "Order.PaymentRecorded": order_paid,
    "Order.ProcessingStarted": order_processing,
    "Order.Shipped": order_shipped,
    "Order.Delivered": order_delivered,
    "Order.Cancelled": order_cancelled,
    "Order.Refunded": order_refunded,
    "Order.NoteAdded": order_note_added,
}


# -- invoices (issue 13): invoicing settings, number series, invoices and credit notes ----------

INVOICE_SUBJECT_ID = ORDER_CUSTOMER_ID
GOLDEN_SELLER = {
    "legal_name": "Golden Shop Sàrl",
    "address": {
        "line1": "12 rue de la Gare",
        "line2": None,
        "postal_code": "L-1611",
        "city": "Luxembourg",
        "country": "LU",
    },
    "vat_number": "LU26375245",
    "registration_number": "B123456",
    "iban": "LU280019400644750000",
    "bic": "BCEELULL",
    "payment_terms_days": 14,
    "footer": "Merci pour votre commande.",
    "logo": "logo-golden-1",
}
# The golden order (placed_order) taxed in Luxembourg, prices including VAT: coffee at 3%, tea
# and the shipping at 17%, VAT rounded once per rate.
GOLDEN_TAX: dict[str, Any] = {
    "regime": "domestic",
    "rates_version": "2024-01-01",
    "supply_date": "2024-01-02",
    "prices_include_vat": True,
    "seller_country": "LU",
    "buyer_country": "LU",
    "seller_vat_number": "LU26375245",
    "buyer_vat_number": None,
    "lines": [
        {
            "key": "CAF-500",
            "tax_category": "food",
            "quantity": 3,
            "unit_price": 1290,
            "amount": 3870,
            "rate": "3",
            "unit_price_net": 1252,
        },
        {
            "key": "TEA-100",
            "tax_category": "standard",
            "quantity": 1,
            "unit_price": 650,
            "amount": 650,
            "rate": "17",
            "unit_price_net": 556,
        },
    ],
    "shipping": [{"rate": "17", "amount": 490}],
    "breakdown": [
        {"rate": "3", "taxable": 3757, "vat": 113},
        {"rate": "17", "taxable": 974, "vat": 166},
    ],
    "net": 4731,
    "vat": 279,
    "gross": 5010,
    "mentions": [],
}


def created_invoicing_settings() -> InvoicingSettings:
    return InvoicingSettings.create(store_id=STORE_ID, at=at(0))


def invoicing_settings_changed() -> InvoicingSettings:
    settings = created_invoicing_settings()
    settings.change(
        values={
            **{k: v for k, v in GOLDEN_SELLER.items() if k != "vat_number"},
            "language": "fr_LU",
            "series_prefix": "INV",
            "issue_on_payment": False,
        },
        at=at(1),
    )
    return settings


def created_invoice_series() -> InvoiceSeries:
    return InvoiceSeries.create(store_id=STORE_ID, kind="invoice", year=2024, at=at(0))


def invoice_number_allocated() -> InvoiceSeries:
    series = created_invoice_series()
    series.allocate(at(1))
    return series


def issued_invoice() -> Invoice:
    return Invoice.issue(
        store_id=STORE_ID,
        order_id=ORDER_ID,
        customer_id=ORDER_CUSTOMER_ID,
        number=1,
        prefix="INV",
        issue_date=date(2024, 1, 2),
        currency="EUR",
        language="fr_LU",
        seller=GOLDEN_SELLER,
        buyer_vat_number=None,
        buyer_company=None,
        sealed_buyer="v1.golden-sealed-buyer",
        subject_id=INVOICE_SUBJECT_ID,
        lines=[
            {"key": "CAF-500", "description": "Café crème 500 g", "quantity": 3},
            {"key": "TEA-100", "description": "Thé vert", "quantity": 1},
        ],
        tax=GOLDEN_TAX,
        at=at(0),
    )


def _credit(invoice: Invoice) -> Invoice:
    return invoice.credit(
        number=1,
        prefix="CN",
        issue_date=date(2024, 1, 9),
        reason="Un paquet abîmé",
        lines=[{"key": "CAF-500", "quantity": 1}],
        shipping=False,
        at=at(60 * 24 * 7),
    )


def credited_invoice() -> Invoice:
    invoice = issued_invoice()
    _credit(invoice)
    return invoice


def issued_credit_note() -> Invoice:
    return _credit(issued_invoice())


SCENARIOS.update(
    {
        "InvoicingSettings.Created": created_invoicing_settings,
        "InvoicingSettings.Changed": invoicing_settings_changed,
        "InvoiceSeries.Created": created_invoice_series,
        "InvoiceSeries.NumberAllocated": invoice_number_allocated,
        "Invoice.Issued": issued_invoice,
        "Invoice.Issued.credit_note": issued_credit_note,  # the same event, as a credit note
        "Invoice.Credited": credited_invoice,
    }
)


# -- tax settings (issue 13) ----------------------------------------------------------------------


def created_tax_settings() -> TaxSettings:
    return TaxSettings.create(store_id=STORE_ID, at=at(0))


def tax_settings_changed() -> TaxSettings:
    settings = created_tax_settings()
    settings.change(
        values={
            "vat_number": "LU 2637 5245",
            "prices_include_vat": False,
            "oss_opt_in": True,
            "vies_check": True,
            "cross_border_b2c_sales": {"previous_year": 420_000, "current_year_before_orion": 0},
        },
        at=at(1),
    )
    return settings


SCENARIOS.update(
    {
        "TaxSettings.Created": created_tax_settings,
        "TaxSettings.Changed": tax_settings_changed,
    }
)


# -- writing ------------------------------------------------------------------------------------


def sample(name: str, build: Callable[[], OrionAggregate]) -> dict[str, Any]:
    """The aggregate's events as the event store records them, and the state they replay to."""
    app = OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    aggregate = build()
    last_event = aggregate.pending_events[-1]
    # The one write path stamps command metadata under _meta: samples carry it, as real events do.
    app.save(aggregate, orion_meta=CONTEXT.metadata())
    stored = app.recorder.select_events(aggregate.id)
    return {
        "sample": name,
        "event_topic": get_topic(type(last_event)),
        "event_class_version": getattr(type(last_event), "class_version", 1),
        "recorded_with": f"eventsourcing {version('eventsourcing')}",
        "stored_events": [
            {
                "originator_id": str(e.originator_id),
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state.decode("utf-8"),
            }
            for e in stored
        ],
        "expected_state": app.repository.get(aggregate.id).as_dict(),
    }


def write_samples(directory: Path = EVENTS_DIR) -> list[Path]:
    """Writes the missing samples; returns the paths written. Existing files are never touched."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SCENARIOS.items():
        path = directory / f"{name}.json"
        if path.exists():
            continue
        text = json.dumps(sample(name, build), indent=2, ensure_ascii=False) + "\n"
        with path.open("x", encoding="utf-8") as file:  # "x": fails rather than overwrite
            file.write(text)
        written.append(path)
    return written


def main() -> int:
    written = write_samples()
    for path in written:
        print(f"wrote {path}")
    kept = len(SCENARIOS) - len(written)
    print(f"{len(written)} sample(s) written, {kept} existing sample(s) kept unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
