"""A realistic history of every event type, written through the use cases.

Two stores with a team, API keys, shipping rates and settings, products through their whole
life (a SKU freed by archiving and claimed again), stock at two locations with holds that
expire, guest and customer carts (one merged at login), orders through every transition over
several days, customers with addresses, sessions, password resets and an erasure; platform
users through theirs. ``settle`` is called at a few points, as a projector following the log
would apply what arrived meanwhile.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.cart.app import CartRef
from application.context import CommandContext
from application.identity.users import PLATFORM
from application.orders.checkout import CheckoutDetails, Placed
from domain.shared.errors import AuthenticationError
from interfaces.bootstrap import Orion
from tests.builders import random_code, random_sku, variant

CTX = CommandContext(actor="test:history")
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another horse battery"
SHIPPING = 490


class MovableClock:
    """Starts two months ago (tokens' ``iat`` stays in the past for PyJWT) and moves only when
    the history says so."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC) - timedelta(days=60)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Written:
    """What the tests look for in the read models afterwards."""

    store_id: UUID
    partly_shipped: UUID  # placed, paid, 2 of 3 shipped, 1 refunded, in one batch
    partly_shipped_sku: str


def address(**fields: Any) -> dict[str, Any]:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "12 Rue des Tilleuls",
        "city": "Luxembourg",
        "postal_code": "L-1234",
        "country": "LU",
        **fields,
    }


def address_of_store() -> dict[str, Any]:
    return {
        "line1": "1 Rue du Fort",
        "postal_code": "L-2419",
        "city": "Luxembourg",
        "country": "LU",
    }


def email(name: str) -> str:
    return f"{name}.{secrets.token_hex(4)}@example.org"


def keyed() -> CommandContext:
    return CommandContext(actor="test:shopper", idempotency_key=secrets.token_hex(8))


def write_history(orion: Orion, clock: MovableClock, settle: Callable[[], object]) -> Written:
    stores, catalog, inventory = orion.stores, orion.catalog, orion.inventory
    carts, orders, customers = orion.carts, orion.orders, orion.customers
    checkouts = orion.checkout

    # -- platform users ------------------------------------------------------------------------
    root = orion.users.create(CTX, email=email("root"), password=PASSWORD, name="Root Admin")
    orion.users.update_profile(CTX, root.id, name="Root Ádmin", expected_version=None)
    helper_email = email("helper")
    helper = orion.users.create(
        CTX, email=helper_email, password=PASSWORD, name="Helper", platform_admin=False
    )
    orion.users.set_platform_admin(CTX, helper.id, True)
    orion.users.disable(CTX, helper.id, reason="on leave")
    orion.users.enable(CTX, helper.id)
    orion.users.login_user(CTX, email=helper_email, password=PASSWORD)
    orion.users.change_password(
        CTX, helper.id, current_password=PASSWORD, new_password=NEW_PASSWORD, store_id=None
    )
    orion.users.request_password_reset(CTX, scope=PLATFORM, email=helper_email)
    reset = orion.users.get(helper.id).pending_reset
    assert reset is not None
    orion.users.confirm_password_reset(
        CTX, token=orion.users.reset_token(helper.id, reset["reset_id"]), new_password=PASSWORD
    )
    settle()

    # -- stores, their settings and rates ----------------------------------------------------
    code = random_code("h")
    store_id = stores.register(
        CTX, code=code, name="History Shop", country="LU", currency="EUR", locale="en"
    ).id
    other_id = stores.register(
        CTX, code=random_code("h"), name="Other", country="FR", currency="EUR", locale="fr"
    ).id
    stores.change_details(CTX, store_id, name="History Shop & Co", locale="fr")
    stores.suspend(CTX, other_id, reason="unpaid invoice")
    stores.reactivate(CTX, other_id)
    _, rate_id = orion.shipping.set_rate(
        CTX, store_id, spec={"name": "Post", "kind": "flat", "amount": SHIPPING}
    )
    _, express = orion.shipping.set_rate(
        CTX, store_id, spec={"name": "Express", "kind": "flat", "amount": 1500}
    )
    orion.shipping.remove_rate(CTX, store_id, express)
    orion.shipping.set_rate(CTX, other_id, spec={"name": "Poste", "kind": "flat", "amount": 700})
    orion.commerce.change_settings(CTX, store_id, {"payment_timeout_hours": 48})
    orion.tax.change_settings(CTX, store_id, {"vat_number": "LU26375245"})
    orion.tax.change_settings(
        CTX, store_id, {"cross_border_b2c_sales": {"current_year_before_orion": 250_000}}
    )

    # -- the team and its keys -----------------------------------------------------------------
    teams = orion.teams

    def invite(at: UUID, address: str, role: str) -> UUID:
        teams.invite(CTX, at, email=address, role=role, by_role=None)
        team = teams.team(at)
        assert team is not None
        return list(team.invitations)[-1]

    owner_email = email("owner")
    owner = teams.accept(
        CTX,
        token=teams.invitation_token(store_id, invite(store_id, owner_email, "owner")),
        password=PASSWORD,
        name="Ówner",
    ).account_id
    staff = teams.accept(
        CTX,
        token=teams.invitation_token(store_id, invite(store_id, email("staff"), "staff")),
        password=PASSWORD,
        name="Staff",
    ).account_id
    # The owner of one store joins another with the account she has.
    teams.accept(
        CTX,
        token=teams.invitation_token(other_id, invite(other_id, owner_email, "manager")),
        password=PASSWORD,
    )
    # The helper joins too, and is later erased: their member rows go blank.
    teams.accept(
        CTX,
        token=teams.invitation_token(store_id, invite(store_id, helper_email, "viewer")),
        password=PASSWORD,
    )
    teams.revoke_invitation(CTX, store_id, invite(store_id, email("nobody"), "viewer"))
    invite(store_id, email("pending"), "admin")
    teams.change_role(CTX, store_id, staff, role="manager", by_role=None)
    teams.remove(CTX, other_id, owner, by_role=None)
    kept = teams.create_api_key(CTX, store_id, name="ERP", role="manager", by_role=None)
    revoked = teams.create_api_key(CTX, store_id, name="Old ERP", role="viewer", by_role=None)
    teams.revoke_api_key(CTX, store_id, revoked.result.id)
    assert kept.token
    settle()

    # -- products ------------------------------------------------------------------------------
    skus = [random_sku(f"H{n}") for n in range(4)]
    made = []
    for n, sku in enumerate(skus):
        product = catalog.create_product(
            CTX,
            store_id,
            title=f"Wool thing {n}",
            description=f"A warm thing, number {n}",
            variants=[variant(sku, amount=1000 + 500 * n, colour=("red", "blue")[n % 2])],
        )
        catalog.publish(CTX, store_id, product.id)
        made.append(product.id)
    shirt, mug, scarf, old = made
    # A second variant, edited in place while published (the shop rows and attributes change).
    extra = random_sku("H9")
    catalog.edit_product(
        CTX,
        store_id,
        mug,
        title="Wool mug",
        variants=[
            variant(skus[1], amount=1500, colour="blue"),
            variant(extra, amount=1700, colour="green", size="L"),
        ],
    )
    catalog.unpublish(CTX, store_id, scarf)
    catalog.edit_product(CTX, store_id, scarf, description="Back soon")
    catalog.publish(CTX, store_id, scarf)
    catalog.archive(CTX, store_id, old)
    # The archived product's SKU is free again: a new product claims it.
    reborn = catalog.create_product(
        CTX, store_id, title="Reborn", variants=[variant(skus[3], amount=900)]
    ).id
    catalog.publish(CTX, store_id, reborn)
    draft = catalog.create_product(CTX, other_id, title="Draft", variants=[variant(amount=100)])
    catalog.edit_product(CTX, other_id, draft.id, title="Still a draft")

    # -- stock at two locations ----------------------------------------------------------------
    for sku in (*skus, extra):
        inventory.receive(CTX, store_id, sku=sku, quantity=20, reference="PO-1")
    _, backroom = inventory.add_location(CTX, store_id, code="back", name="Back room")
    inventory.receive(CTX, store_id, sku=skus[0], quantity=5, location_id=backroom)
    inventory.adjust(CTX, store_id, sku=skus[2], delta=-2, reason="damage", note="wet")
    inventory.count(CTX, store_id, sku=skus[2], counted=17, note="stocktake")
    inventory.set_threshold(CTX, store_id, sku=skus[0], threshold=15)
    settle()

    # -- customers -----------------------------------------------------------------------------
    ada_email = email("ada")
    ada = customers.register(
        CTX, store_id, email=ada_email, password=PASSWORD, first_name="Ada", last_name="L."
    ).account_id
    customers.add_address(
        CTX, store_id, ada, address=address(), default_shipping=True, default_billing=True
    )
    customers.add_address(CTX, store_id, ada, address=address(line1="1 Work Street"))
    book = list(customers.get(store_id, ada).addresses)
    customers.change_address(
        CTX, store_id, ada, book[1], changes={"city": "Esch"}, default_shipping=True
    )
    customers.remove_address(CTX, store_id, ada, book[0])
    customers.update_profile(
        CTX,
        store_id,
        ada,
        changes={"last_name": "Lovelace", "phone": "+352 621 000 000", "marketing_consent": True},
    )
    login = customers.login_customer(CTX, store_id, email=ada_email, password=PASSWORD)
    refreshed = customers.refresh(CTX, login.refresh_token, store_id=store_id)
    customers.end_session(CTX, refreshed.session_id, reason="logout")
    customers.change_password(
        CTX, ada, current_password=PASSWORD, new_password=NEW_PASSWORD, store_id=store_id
    )
    customers.request_reset(CTX, store_id, email=ada_email)
    reset = customers.get(store_id, ada).pending_reset
    assert reset is not None
    customers.confirm_password_reset(
        CTX, token=customers.reset_token(ada, reset["reset_id"]), new_password=PASSWORD
    )
    with pytest.raises(AuthenticationError):  # recorded, then refused
        customers.login_customer(CTX, store_id, email=ada_email, password="not her password")
    customers.deactivate(CTX, store_id, ada, reason="fraud check")
    customers.reactivate(CTX, store_id, ada)
    bob_email = email("bob")
    bob = customers.register(
        CTX, store_id, email=bob_email, password=PASSWORD, first_name="Bob", language="de"
    ).account_id

    # -- carts ---------------------------------------------------------------------------------
    def guest_cart(lines: dict[str, int]) -> CartRef:
        ref = CartRef()
        for sku, quantity in lines.items():
            added = carts.add(CTX, store_id, ref, sku=sku, quantity=quantity)
            if ref.is_new_guest:
                ref = CartRef(cart_id=added.id)
        return ref

    def checkout(ref: CartRef, *, customer: UUID | None = None, method: str = "manual") -> Placed:
        details = CheckoutDetails(
            shipping_rate_id=rate_id,
            payment_method=method,
            email=None if customer else email("guest"),
            shipping_address=address(),
        )
        return checkouts.place(keyed(), store_id, ref, details, customer_id=customer)

    browsing = guest_cart({skus[0]: 1, skus[1]: 2, skus[2]: 1})
    carts.change_quantity(CTX, store_id, browsing, sku=skus[1], quantity=3)
    carts.remove(CTX, store_id, browsing, sku=skus[2])
    carts.clear(CTX, store_id, browsing)
    # A guest's cart joins Bob's when he signs in.
    before_login = guest_cart({skus[0]: 1})
    carts.merge_guest_cart(CTX, store_id, before_login, bob)
    settle()

    # -- orders --------------------------------------------------------------------------------
    # Ada's order: placed, paid, 2 of 3 shipped and 1 refunded, with nothing applied between.
    ada_cart = CartRef(customer_id=ada)
    carts.add(CTX, store_id, ada_cart, sku=skus[0], quantity=3)
    carts.add(CTX, store_id, ada_cart, sku=skus[1], quantity=1)
    partly = checkout(ada_cart, customer=ada)
    orders.record_payment(CTX, store_id, partly.order_id, amount=partly.order.total, reference="T1")
    orders.ship(
        CTX,
        store_id,
        partly.order_id,
        carrier="DHL",
        tracking_number="TRACK-1",
        lines=[{"sku": skus[0], "quantity": 2}],
    )
    orders.refund(CTX, store_id, partly.order_id, lines=[{"sku": skus[0], "quantity": 1}])
    settle()

    # A guest's order through every step, a return restocked and a note.
    clock.advance(days=1)
    delivered = checkout(guest_cart({skus[1]: 2, extra: 1}))
    orders.add_note(CTX, store_id, delivered.order_id, text="Gift wrap, please")
    orders.record_payment(CTX, store_id, delivered.order_id, amount=delivered.order.total)
    orders.start_processing(CTX, store_id, delivered.order_id)
    orders.ship(CTX, store_id, delivered.order_id, carrier="Post")
    orders.deliver(CTX, store_id, delivered.order_id)
    orders.refund(
        CTX,
        store_id,
        delivered.order_id,
        lines=[{"sku": skus[1], "quantity": 1, "restock": True}],
        reason="too small",
    )
    orders.refund(
        CTX,
        store_id,
        delivered.order_id,
        lines=[{"sku": extra, "quantity": 1, "restock": False}],
        amount=500,
        reason="scratched",
    )
    # Cancelled before payment, and cancelled after (with money to give back).
    unpaid = checkout(guest_cart({skus[2]: 2}))
    orders.cancel(CTX, store_id, unpaid.order_id, reason="changed my mind")
    settle()
    cod = checkout(guest_cart({skus[3]: 1}), method="cash_on_delivery")
    clock.advance(hours=3)
    paid_then_cancelled = checkout(guest_cart({skus[0]: 1}))
    orders.record_payment(
        CTX, store_id, paid_then_cancelled.order_id, amount=paid_then_cancelled.order.total
    )
    orders.cancel(CTX, store_id, paid_then_cancelled.order_id, reason="out of season")
    orders.ship(CTX, store_id, cod.order_id, carrier="Courier")
    orders.deliver(CTX, store_id, cod.order_id)
    orders.record_payment(CTX, store_id, cod.order_id, amount=cod.order.total, method="cash")
    # Bob checks out the cart he merged.
    bobs = checkout(CartRef(customer_id=bob), customer=bob)
    orders.record_payment(CTX, store_id, bobs.order_id, amount=bobs.order.total)

    # -- invoices and credit notes (issued by hand: no job follows the log here) ---------------
    invoicing = orion.invoicing
    invoicing.change_settings(
        CTX,
        store_id,
        {
            "legal_name": "History Shop Sàrl",
            "address": address_of_store(),
            "issue_on_payment": False,
        },
    )
    invoicing.change_settings(CTX, store_id, {"footer": "Merci !", "payment_terms_days": 30})
    bobs_invoice = orion.invoices.issue_for_order(CTX, store_id, bobs.order_id).document
    adas_invoice = orion.invoices.issue_for_order(CTX, store_id, partly.order_id).document
    orion.invoices.credit(
        CTX, store_id, adas_invoice.id, reason="refunded", lines=[{"key": skus[0], "quantity": 1}]
    )
    settle()
    orion.invoices.credit(CTX, store_id, adas_invoice.id, reason="the rest")
    orion.invoices.credit(CTX, store_id, bobs_invoice.id, reason="late", lines=[], shipping=True)

    # Distance sales to consumers in other member states (the tax read model counts them):
    # one stays, one is cancelled a batch later, one in the batch that placed it.
    def sold_abroad(country: str) -> UUID:
        details = CheckoutDetails(
            shipping_rate_id=rate_id,
            payment_method="manual",
            email=email("abroad"),
            shipping_address=address(country=country),
        )
        return checkouts.place(keyed(), store_id, guest_cart({skus[3]: 1}), details).order_id

    sold_abroad("FR")
    sent_back = sold_abroad("BE")
    settle()
    orders.cancel(CTX, store_id, sent_back, reason="sent back unopened")
    orders.cancel(CTX, store_id, sold_abroad("AT"), reason="ordered twice")
    settle()

    # -- holds that expire -----------------------------------------------------------------------
    clock.advance(days=1)
    orion.commerce.change_settings(CTX, store_id, {"checkout_hold_minutes": 15})
    holding = guest_cart({skus[2]: 4})
    checkouts.start(CTX, store_id, holding)
    checkouts.start(CTX, store_id, holding)  # renewed
    clock.advance(minutes=20)
    for item in inventory.items(store_id, skus[2]):
        inventory.release_expired_holds(CTX, store_id, item.location_id, skus[2])
    held_then_bought = guest_cart({skus[1]: 1})
    checkouts.start(CTX, store_id, held_then_bought)
    checkout(held_then_bought)
    inventory.make_default(CTX, store_id, backroom)
    inventory.receive(CTX, store_id, sku=skus[0], quantity=3)  # at the new default
    settle()

    # -- erasure, and what comes after it ------------------------------------------------------
    clock.advance(days=1)
    customers.erase(CTX, store_id, bob, by="customer")
    # His address is free again: a new account claims it.
    customers.register(CTX, store_id, email=bob_email, password=PASSWORD, first_name="Robert")
    orion.users.erase(CTX, helper.id, by="admin:test")
    catalog.edit_product(CTX, store_id, shirt, title="Wool shirt")
    stores.change_details(CTX, store_id, name="History Shop")

    return Written(store_id=store_id, partly_shipped=partly.order_id, partly_shipped_sku=skus[0])
