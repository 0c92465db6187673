"""``OrionAggregate.__deepcopy__``: what the library serves from its cache is a copy whose
changes never reach the cached aggregate, with the same state."""

from __future__ import annotations

import copy
from datetime import timedelta
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.cart.aggregates import Cart
from domain.inventory.aggregates import StockItem
from tests.unit.domain.scenario import T0

STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f5a01")
LOCATION = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f5a02")


def stock_item(reservations: list[tuple[int, bool, int]]) -> StockItem:
    item = StockItem.create(store_id=STORE, location_id=LOCATION, sku="SKU-1", at=T0)
    item.receive(quantity=10_000, reference="PO-1", at=T0)
    for quantity, is_hold, minutes in reservations:
        item.reserve(
            reservation_id=uuid4(),
            quantity=quantity,
            order_id=None if is_hold else uuid4(),
            expires_at=T0 + timedelta(minutes=minutes) if is_hold else None,
            at=T0,
        )
    item.collect_events()
    return item


reservations = st.lists(
    st.tuples(st.integers(1, 50), st.booleans(), st.integers(1, 600)), max_size=30
)


@settings(max_examples=60, deadline=None)
@given(reservations, st.integers(1, 40))
def test_a_copy_has_the_same_state_and_changes_apart(
    held: list[tuple[int, bool, int]], more: int
) -> None:
    item = stock_item(held)
    before = item.as_dict()
    copied = copy.deepcopy(item)
    assert type(copied) is StockItem
    assert copied.as_dict() == before
    assert vars(copied) == vars(item)

    # A command on the copy (as checkout runs on what the cache serves) leaves the original.
    for reservation_id in list(copied.reservations)[:2]:
        copied.release(reservation_id=UUID(reservation_id), reason="cancelled", at=T0)
    copied.reserve(reservation_id=uuid4(), quantity=more, order_id=uuid4(), expires_at=None, at=T0)
    copied.reservations.setdefault("x", {})["quantity"] = 1  # even a stray write in place
    assert item.as_dict() == before
    assert item.collect_events() == []
    assert len(copied.collect_events()) >= 1


def test_nested_dicts_and_lists_are_not_shared() -> None:
    cart = Cart.create(cart_id=uuid4(), store_id=STORE, customer_id=None, currency="EUR", at=T0)
    cart.add(
        sku="A",
        product_id=uuid4(),
        title="Mug",
        quantity=1,
        unit_price=900,
        attributes={"colour": "blue"},
        weight_grams=300,
        at=T0,
    )
    cart.collect_events()
    copied = copy.deepcopy(cart)
    copied.lines["A"]["attributes"]["colour"] = "red"
    copied.orders.append(uuid4())
    assert cart.lines["A"]["attributes"] == {"colour": "blue"}
    assert cart.orders == []
    # Immutable values are shared, not rebuilt: that is where the time went.
    assert copied.lines["A"]["product_id"] is cart.lines["A"]["product_id"]
