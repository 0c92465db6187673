"""Cart: given events → command → expected events or error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.cart.aggregates import Cart
from domain.cart.errors import CartLineNotFoundError
from domain.cart.values import MAX_LINE_QUANTITY, MAX_LINES
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import customer_cart_id
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

CART_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f7001")
STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f7002")
PRODUCT = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f7003")
CUSTOMER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f7004")
ORDER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f7005")


def created() -> Any:
    return ev(Cart.Created, store_id=STORE, customer_id=None, currency="EUR")


def line(sku: str = "MUG", quantity: int = 2, unit_price: int = 1250, weight: int = 400) -> Any:
    return ev(
        Cart.LineAdded,
        sku=sku,
        product_id=PRODUCT,
        title="Mug",
        quantity=quantity,
        unit_price=unit_price,
        attributes={"colour": "blue"},
        weight_grams=weight,
    )


def add(cart: Cart, sku: str = "TEA", quantity: int = 1, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "sku": sku,
        "product_id": PRODUCT,
        "title": "Tea",
        "quantity": quantity,
        "unit_price": 499,
        "attributes": {},
        "weight_grams": 0,
        "tax_category": "food",
        "at": at(10),
    }
    cart.add(**{**fields, **overrides})


# -- create ------------------------------------------------------------------------------------


def test_a_guest_cart_is_made_under_the_id_its_token_names() -> None:
    cart = Cart.create(cart_id=CART_ID, store_id=STORE, customer_id=None, currency="EUR", at=at(0))

    assert new_events(cart) == [created()]
    assert cart.id == CART_ID and cart.lines == {} and cart.subtotal == 0


def test_a_customer_has_one_cart_whatever_id_is_asked_for() -> None:
    cart = Cart.create(
        cart_id=CART_ID, store_id=STORE, customer_id=CUSTOMER, currency="EUR", at=at(0)
    )

    assert cart.id == customer_cart_id(CUSTOMER) != CART_ID
    assert cart.customer_id == CUSTOMER


def test_a_guest_cart_needs_an_id() -> None:
    with pytest.raises(ValueError, match="needs an id"):
        Cart.create(store_id=STORE, customer_id=None, currency="EUR", at=at(0))


# -- lines -------------------------------------------------------------------------------------


def test_adding_a_variant_records_its_line_as_priced_and_taxed_now() -> None:
    cart = given(CART_ID, created())

    add(cart, "TEA", 3, attributes={"size": "L"})

    assert new_events(cart) == [
        ev(
            Cart.LineAdded,
            sku="TEA",
            product_id=PRODUCT,
            title="Tea",
            quantity=3,
            unit_price=499,
            attributes={"size": "L"},
            weight_grams=0,
            tax_category="food",
        )
    ]
    assert cart.quantity_of("TEA") == 3 and cart.subtotal == 1497
    assert cart.lines["TEA"]["tax_category"] == "food"


def test_adding_a_sku_already_in_the_cart_raises_its_quantity() -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    add(cart, "MUG", 3)

    assert new_events(cart) == [ev(Cart.QuantityChanged, sku="MUG", quantity=5)]
    assert cart.lines["MUG"]["unit_price"] == 1250  # the price it was added at


def test_subtotal_and_weight_add_up_every_line() -> None:
    cart = given(CART_ID, created(), line("MUG", 2, 1250, 400), line("TEA", 3, 499, 100))

    assert cart.subtotal == 2 * 1250 + 3 * 499
    assert cart.weight_grams == 2 * 400 + 3 * 100
    assert cart.quantity_of("NONE") == 0


@pytest.mark.parametrize("quantity", [0, -1, MAX_LINE_QUANTITY + 1, True, 1.5, "2"])
def test_a_line_holds_1_to_999_units(quantity: Any) -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    error = rejected(cart, lambda: add(cart, "TEA", quantity), ValidationError)
    assert error.field == "quantity"
    rejected(
        cart, lambda: cart.change_quantity(sku="MUG", quantity=quantity, at=at(9)), ValidationError
    )


def test_a_line_that_would_pass_999_units_is_refused() -> None:
    cart = given(CART_ID, created(), line("MUG", MAX_LINE_QUANTITY - 1))

    add(cart, "MUG", 1)
    assert new_events(cart) == [ev(Cart.QuantityChanged, sku="MUG", quantity=MAX_LINE_QUANTITY)]
    error = rejected(cart, lambda: add(cart, "MUG", 1), ValidationError)
    assert error.field == "quantity"


def test_a_cart_holds_at_most_its_number_of_lines() -> None:
    cart = given(CART_ID, created(), *(line(f"SKU-{i}", 1) for i in range(MAX_LINES)))

    rejected(cart, lambda: add(cart, "ONE-MORE"), ConflictError)
    add(cart, "SKU-0")  # a line it has may still grow
    assert cart.quantity_of("SKU-0") == 2


def test_changing_a_quantity_to_what_it_is_records_nothing() -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    cart.change_quantity(sku="MUG", quantity=2, at=at(9))
    assert new_events(cart) == []
    cart.change_quantity(sku="MUG", quantity=1, at=at(9))
    assert new_events(cart) == [ev(Cart.QuantityChanged, sku="MUG", quantity=1)]


def test_a_line_not_in_the_cart_cannot_be_changed_or_removed() -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    error = rejected(
        cart, lambda: cart.change_quantity(sku="TEA", quantity=1, at=at(9)), CartLineNotFoundError
    )
    assert error.fields == {"sku": "TEA"}
    rejected(cart, lambda: cart.remove(sku="TEA", at=at(9)), CartLineNotFoundError)


def test_removing_a_line_leaves_the_others() -> None:
    cart = given(CART_ID, created(), line("MUG", 2), line("TEA", 1))

    cart.remove(sku="MUG", at=at(9))

    assert new_events(cart) == [ev(Cart.LineRemoved, sku="MUG")]
    assert list(cart.lines) == ["TEA"]


# -- clear and check out -----------------------------------------------------------------------


def test_clearing_empties_the_cart_and_an_empty_one_records_nothing() -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    cart.clear(reason="merged", at=at(9))
    assert new_events(cart) == [ev(Cart.Cleared, reason="merged")]
    assert cart.lines == {}
    cart.clear(reason="customer", at=at(10))
    assert new_events(cart) == []


def test_checking_out_empties_the_cart_and_remembers_the_order() -> None:
    cart = given(CART_ID, created(), line("MUG", 2))

    cart.check_out(order_id=ORDER, at=at(9))

    assert new_events(cart) == [ev(Cart.CheckedOut, order_id=ORDER)]
    assert cart.lines == {} and cart.orders == [ORDER]
    add(cart, "TEA")  # the same cart serves the next order
    assert cart.quantity_of("TEA") == 1


def test_an_empty_cart_cannot_be_checked_out() -> None:
    cart = given(CART_ID, created(), line("MUG", 1), ev(Cart.Cleared, reason="customer"))

    rejected(cart, lambda: cart.check_out(order_id=ORDER, at=at(9)), ConflictError)


def test_a_line_keeps_a_copy_of_the_attributes_it_was_given() -> None:
    cart = given(CART_ID, created())
    attributes = {"size": "L"}

    add(cart, "TEA", attributes=attributes)
    attributes["size"] = "XL"

    assert cart.lines["TEA"]["attributes"] == {"size": "L"}
    assert new_events(cart)[0].attrs["attributes"] == {"size": "L"}
