"""The orders context's values: an order's statuses and the moves between them, payment
methods, text limits, and the commerce settings' defaults and bounds."""

from __future__ import annotations

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
PROCESSING = "processing"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELLED = "cancelled"
RETURNED = "returned"
REFUNDED = "refunded"
STATUSES = (
    PENDING_PAYMENT,
    PAID,
    PROCESSING,
    PARTIALLY_SHIPPED,
    SHIPPED,
    DELIVERED,
    CANCELLED,
    RETURNED,
    REFUNDED,
)
# Every status change an order may make; anything else is refused (and a property test checks).
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING_PAYMENT: frozenset({PAID, CANCELLED}),
    PAID: frozenset({PROCESSING, PARTIALLY_SHIPPED, SHIPPED, CANCELLED, REFUNDED}),
    PROCESSING: frozenset({PARTIALLY_SHIPPED, SHIPPED, CANCELLED, REFUNDED}),
    PARTIALLY_SHIPPED: frozenset({SHIPPED, REFUNDED, RETURNED}),
    SHIPPED: frozenset({DELIVERED, RETURNED, REFUNDED}),
    DELIVERED: frozenset({RETURNED, REFUNDED}),
    RETURNED: frozenset(),
    CANCELLED: frozenset(),
    REFUNDED: frozenset(),
}
# Where an order's life ends. Cancelled, returned and refunded take no transition at all;
# delivered ends fulfilment, and only after-sales (a refund, a return) may follow it. Every
# other status has a way forward to one of these (a property test checks, after any commands).
FINAL_STATUSES = frozenset({DELIVERED, CANCELLED, RETURNED, REFUNDED})
PAYMENT_METHODS = ("manual", "cash_on_delivery")
MAX_NOTE = 2000
MAX_REF = 100

DEFAULTS: dict[str, int] = {
    # 0: no hold; checkout reserves only when the order is placed.
    "checkout_hold_minutes": 0,
    "payment_timeout_hours": 72,
}
LIMITS: dict[str, tuple[int, int]] = {
    "checkout_hold_minutes": (0, 60),
    "payment_timeout_hours": (1, 24 * 30),
}
