"""Orders and a store's commerce settings."""

from domain.orders.aggregates.order import Order
from domain.orders.aggregates.settings import CommerceSettings

__all__ = ["CommerceSettings", "Order"]
