"""Order: given events → command → expected events or error, for shipments and refunds that
leave nothing to ship."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.orders.aggregates import Order
from domain.orders.values import DELIVERED, PARTIALLY_SHIPPED, SHIPPED
from tests.unit.domain.scenario import at, ev, given, new_events

ORDER_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6001")
STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6002")
SHOP = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6003")
PAYMENT = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6004")
SHIPMENT = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6005")
REFUND = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f6006")
PRICE, SHIPPING = 1000, 500


def placed(quantity: int = 3) -> Any:
    return ev(
        Order.Placed,
        store_id=STORE,
        customer_id=None,
        cart_id=None,
        currency="EUR",
        lines=[
            {
                "sku": "MUG",
                "product_id": STORE,
                "title": "Mug",
                "quantity": quantity,
                "unit_price": PRICE,
                "line_total": quantity * PRICE,
                "attributes": {},
                "allocations": [{"location_id": SHOP, "quantity": quantity}],
            }
        ],
        totals={
            "subtotal": quantity * PRICE,
            "shipping": SHIPPING,
            "discount": 0,
            "tax": 0,
            "total": quantity * PRICE + SHIPPING,
        },
        shipping_method={"rate_id": STORE, "name": "Post", "amount": SHIPPING},
        payment_method="manual",
        sealed_contact="sealed",
        subject_id=ORDER_ID,
        destination_country="LU",
        payment_due_at=at(60),
        status="pending_payment",
    )


def paid(amount: int) -> Any:
    return ev(
        Order.PaymentRecorded,
        payment_id=PAYMENT,
        amount=amount,
        method="manual",
        reference=None,
        status="paid",
    )


def shipped(quantity: int, status: str) -> Any:
    return ev(
        Order.Shipped,
        shipment_id=SHIPMENT,
        carrier="Post",
        tracking_number=None,
        lines=[
            {
                "sku": "MUG",
                "quantity": quantity,
                "from": [{"location_id": SHOP, "quantity": quantity}],
            }
        ],
        status=status,
    )


def two_of_three_shipped() -> Order:
    order: Order = given(
        ORDER_ID, placed(3), paid(3 * PRICE + SHIPPING), shipped(2, PARTIALLY_SHIPPED)
    )
    return order


def test_refunding_the_unshipped_rest_of_a_partial_shipment_makes_the_order_shipped() -> None:
    order = two_of_three_shipped()

    order.refund(
        refund_id=REFUND,
        lines=[{"sku": "MUG", "quantity": 1, "restock": True}],
        amount=None,
        reason="out of stock",
        at=at(10),
    )

    assert new_events(order) == [
        ev(
            Order.Refunded,
            refund_id=REFUND,
            amount=PRICE,
            reason="out of stock",
            lines=[
                {
                    "sku": "MUG",
                    "quantity": 1,
                    "restock": True,
                    "released": [{"location_id": SHOP, "quantity": 1}],
                    "returned": [],
                }
            ],
            status=SHIPPED,
        )
    ]
    assert order.status == SHIPPED and order.left_to_ship == 0
    order.deliver(at=at(11))
    assert order.status == DELIVERED


def test_a_refund_that_leaves_units_to_ship_keeps_the_order_partially_shipped() -> None:
    # 2 of 4 shipped; 1 of the 2 left is refunded: 1 is still to ship.
    order: Order = given(
        ORDER_ID, placed(4), paid(4 * PRICE + SHIPPING), shipped(2, PARTIALLY_SHIPPED)
    )

    order.refund(
        refund_id=REFUND,
        lines=[{"sku": "MUG", "quantity": 1, "restock": True}],
        amount=None,
        reason="refund",
        at=at(10),
    )

    assert order.status == PARTIALLY_SHIPPED and order.left_to_ship == 1
    order.ship(shipment_id=SHIPMENT, carrier="Post", tracking_number=None, lines=None, at=at(11))
    assert order.status == SHIPPED
