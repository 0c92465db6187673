"""Product: given events → command → expected events or error."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.catalog.aggregates import Product
from domain.catalog.errors import ProductStateError
from domain.catalog.values import MAX_ATTRIBUTES, MAX_VARIANTS
from domain.shared.errors import ConflictError, ValidationError
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE_ID = UUID("00000000-0000-4000-8000-00000000000a")
PRODUCT_ID = UUID("00000000-0000-4000-8000-0000000000b1")


def variant(
    sku: str = "TS-1", amount: Any = 1999, currency: Any = "EUR", **attributes: Any
) -> dict[str, Any]:
    return {"sku": sku, "price": {"amount": amount, "currency": currency}, "attributes": attributes}


def created(**overrides: Any) -> Any:
    attrs: dict[str, Any] = {
        "store_id": STORE_ID,
        "title": "T-shirt",
        "description": "Cotton.",
        "tax_category": "standard",
        "variants": [variant("TS-S", size="s"), variant("TS-M", size="m")],
    }
    return ev(Product.Created, **{**attrs, **overrides})


# As a v1 event was recorded (and a v1 event is upcast): it carries no state.
PUBLISHED = ev(Product.Published)


def published(**overrides: Any) -> Any:
    """A v2 ``Published``: it carries what the shop shows, as the product stands."""
    state: dict[str, Any] = {
        "store_id": STORE_ID,
        "title": "T-shirt",
        "description": "Cotton.",
        "tax_category": "standard",
        "variants": [variant("TS-S", size="s"), variant("TS-M", size="m")],
    }
    return ev(Product.Published, **{**state, **overrides})


UNPUBLISHED = ev(Product.Unpublished)
ARCHIVED = ev(Product.Archived)


def create(**overrides: Any) -> Product:
    fields: dict[str, Any] = {
        "store_id": STORE_ID,
        "currency": "EUR",
        "title": "T-shirt",
        "description": "",
        "tax_category": "standard",
        "variants": [variant()],
        "at": at(0),
        "product_id": PRODUCT_ID,
    }
    return Product.create(**{**fields, **overrides})


def create_rejected(**overrides: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        create(**overrides)
    return raised.value


# -- create ----------------------------------------------------------------------------------


def test_create_records_the_normalised_product_as_a_draft() -> None:
    product = create(
        title="  Organic   T-shirt ",
        description="  Soft cotton.\n",
        tax_category="reduced",
        variants=[variant(" TS-S ", 1500, Size=" Small "), variant("TS-M", 0)],
    )

    assert new_events(product) == [
        created(
            title="Organic T-shirt",
            description="Soft cotton.",
            tax_category="reduced",
            variants=[variant("TS-S", 1500, size="Small"), variant("TS-M", 0)],
        )
    ]
    assert product.id == PRODUCT_ID
    assert product.status == "draft"
    assert product.skus == ["TS-S", "TS-M"]
    assert product.created_on == at(0)


def test_create_without_an_id_makes_a_new_one() -> None:
    first, second = create(product_id=None), create(product_id=None)

    assert first.id != second.id


@pytest.mark.parametrize("title", ["", "   ", "\n\t", "x" * 201])
def test_create_rejects_a_blank_or_over_long_title(title: str) -> None:
    assert create_rejected(title=title).field == "title"


def test_create_accepts_a_title_of_200_characters_after_collapsing_spaces() -> None:
    assert create(title="x" * 200).title == "x" * 200
    assert create(title="  " + "x " * 100).title == " ".join(["x"] * 100)


def test_create_rejects_an_over_long_description() -> None:
    assert create_rejected(description="d" * 10_001).field == "description"


def test_create_rejects_an_unknown_tax_category() -> None:
    assert create_rejected(tax_category="luxury").field == "tax_category"


@pytest.mark.parametrize(
    "amount",
    [-1, -1999, 19.99, 1.0, True, False, "1999", None, 10**12 + 1],
    ids=lambda a: repr(a),
)
def test_create_rejects_a_price_that_is_not_a_non_negative_integer(amount: Any) -> None:
    error = create_rejected(variants=[variant(amount=amount)])

    assert error.field == "variants[0].price.amount"


@pytest.mark.parametrize("amount", [0, 1, 10**12])
def test_create_accepts_prices_from_zero_to_the_maximum(amount: int) -> None:
    assert create(variants=[variant(amount=amount)]).variants[0].price.amount == amount


@pytest.mark.parametrize("currency", ["", "eur", "EURO", "XYZ", "€", None, 978])
def test_create_rejects_a_currency_that_is_not_iso_4217(currency: Any) -> None:
    error = create_rejected(variants=[variant(currency=currency)])

    assert error.field == "variants[0].price.currency"


def test_create_rejects_a_price_in_another_currency_than_the_store() -> None:
    error = create_rejected(variants=[variant("A"), variant("B", currency="USD")])

    assert error.field == "variants[1].price.currency"
    assert "EUR" in error.detail


def test_create_rejects_a_sku_given_twice_in_any_case() -> None:
    error = create_rejected(variants=[variant("TS-1"), variant("ts-1")])

    assert error.field == "variants[1].sku"


@pytest.mark.parametrize("sku", ["", " ", "-A", ".A", "A B", "A*B", "x" * 65, "é1"])
def test_create_rejects_a_malformed_sku(sku: str) -> None:
    assert create_rejected(variants=[variant(sku)]).field == "variants[0].sku"


def test_create_rejects_a_missing_sku() -> None:
    raw = variant()
    raw["sku"] = None

    assert create_rejected(variants=[raw]).field == "variants[0].sku"


def test_create_needs_at_least_one_variant() -> None:
    assert create_rejected(variants=[]).field == "variants"


def test_create_rejects_too_many_variants() -> None:
    too_many = [variant(f"SKU-{i}") for i in range(MAX_VARIANTS + 1)]

    assert create_rejected(variants=too_many).field == "variants"
    assert len(create(variants=too_many[:MAX_VARIANTS]).variants) == MAX_VARIANTS


def test_create_rejects_too_many_attributes() -> None:
    attributes = {f"a{i}": "v" for i in range(MAX_ATTRIBUTES + 1)}

    assert create_rejected(variants=[variant(**attributes)]).field == "variants[0].attributes"
    del attributes["a0"]
    assert len(create(variants=[variant(**attributes)]).variants[0].attributes) == MAX_ATTRIBUTES


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({" ": "x"}, "variants[0].attributes"),
        ({"n" * 41: "x"}, "variants[0].attributes"),
        ({"size": " "}, "variants[0].attributes.size"),
        ({"size": "v" * 101}, "variants[0].attributes.size"),
        ({"size": 42}, "variants[0].attributes.size"),
        ({"Size": "S", "size ": "M"}, "variants[0].attributes"),
    ],
)
def test_create_rejects_invalid_attributes(attributes: dict[str, Any], field: str) -> None:
    raw = variant()
    raw["attributes"] = attributes

    assert create_rejected(variants=[raw]).field == field


# -- edit ------------------------------------------------------------------------------------


def test_edit_records_only_the_fields_that_changed() -> None:
    product = given(PRODUCT_ID, created())

    changes = product.edit(
        currency="EUR",
        at=at(10),
        title="Organic  T-shirt",
        description="Cotton.",
        tax_category="standard",
    )

    assert new_events(product) == [ev(Product.Edited, changes={"title": "Organic T-shirt"})]
    assert changes == {"title": "Organic T-shirt"}
    assert product.title == "Organic T-shirt"
    assert product.modified_on == at(10)


def test_edit_of_the_variants_records_them_all() -> None:
    product = given(PRODUCT_ID, created())
    new_variants = [variant("TS-S", 2500, size="s"), variant("TS-L", size="l")]

    product.edit(currency="EUR", at=at(10), variants=new_variants)

    assert new_events(product) == [ev(Product.Edited, changes={"variants": new_variants})]
    assert product.skus == ["TS-S", "TS-L"]
    assert product.variants[0].price.amount == 2500


def test_edit_to_the_same_values_records_nothing() -> None:
    product = given(PRODUCT_ID, created())

    changes = product.edit(
        currency="EUR",
        at=at(10),
        title=" T-shirt ",
        description="Cotton.  ",
        tax_category="standard",
        variants=[variant("TS-S", Size="s"), variant("TS-M", size=" m ")],
    )

    assert changes == {}
    assert new_events(product) == []
    assert product.version == 1


def test_edit_of_nothing_records_nothing() -> None:
    product = given(PRODUCT_ID, created())

    assert product.edit(currency="EUR", at=at(10)) == {}
    assert new_events(product) == []


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"title": " "}, "title"),
        ({"title": "Fine", "variants": []}, "variants"),
        ({"title": "Fine", "variants": [variant("A"), variant("a")]}, "variants[1].sku"),
        ({"title": "Fine", "variants": [variant(currency="USD")]}, "variants[0].price.currency"),
        ({"title": "Fine", "variants": [variant(amount=-5)]}, "variants[0].price.amount"),
        ({"title": "Fine", "tax_category": "nope"}, "tax_category"),
    ],
)
def test_an_invalid_edit_changes_nothing(fields: dict[str, Any], error_field: str) -> None:
    product = given(PRODUCT_ID, created())

    error = rejected(
        product, lambda: product.edit(currency="EUR", at=at(10), **fields), ValidationError
    )

    assert error.field == error_field


def test_a_published_product_can_be_edited_and_stays_published() -> None:
    product = given(PRODUCT_ID, created(), PUBLISHED)

    product.edit(currency="EUR", at=at(10), description="New")

    assert new_events(product) == [ev(Product.Edited, changes={"description": "New"})]
    assert product.status == "published"


def test_the_changes_edit_returns_do_not_alias_the_recorded_event() -> None:
    product = given(PRODUCT_ID, created())

    changes = product.edit(currency="EUR", at=at(10), title="New")
    changes["title"] = "tampered by the caller"

    assert new_events(product) == [ev(Product.Edited, changes={"title": "New"})]


# -- publish / unpublish / archive -------------------------------------------------------------


def test_publish_a_draft() -> None:
    product = given(PRODUCT_ID, created())

    product.publish(at=at(10))

    assert new_events(product) == [published()]
    assert product.status == "published"


def test_publish_carries_the_state_the_product_has_then() -> None:
    product = given(
        PRODUCT_ID,
        created(),
        ev(Product.Edited, changes={"title": "Polo", "variants": [variant("PO-1", 2500)]}),
        PUBLISHED,
        UNPUBLISHED,
    )

    product.publish(at=at(10))
    event = product.pending_events[-1]
    product.variants[0].attributes["colour"] = "red"  # the event keeps its own copy

    assert new_events(product) == [published(title="Polo", variants=[variant("PO-1", 2500)])]
    assert isinstance(event, Product.Published) and event.carries_state


def test_a_v1_publish_event_without_state_replays_as_before() -> None:
    product = given(PRODUCT_ID, created(), PUBLISHED)

    assert product.status == "published" and product.title == "T-shirt"


def test_publish_a_published_product_is_an_invalid_transition() -> None:
    product = given(PRODUCT_ID, created(), PUBLISHED)

    error = rejected(product, lambda: product.publish(at=at(10)), ProductStateError)

    assert isinstance(error, ConflictError)
    assert error.code == "invalid_product_transition"
    assert error.fields == {"status": "published"}


def test_unpublish_a_published_product_makes_it_a_draft_again() -> None:
    product = given(PRODUCT_ID, created(), PUBLISHED)

    product.unpublish(at=at(10))

    assert new_events(product) == [UNPUBLISHED]
    assert product.status == "draft"


def test_unpublish_a_draft_is_an_invalid_transition() -> None:
    product = given(PRODUCT_ID, created(), PUBLISHED, UNPUBLISHED)

    error = rejected(product, lambda: product.unpublish(at=at(10)), ProductStateError)

    assert error.fields == {"status": "draft"}


@pytest.mark.parametrize(
    "history", [[], [PUBLISHED], [PUBLISHED, UNPUBLISHED]], ids=["draft", "published", "again"]
)
def test_archive_a_draft_or_published_product(history: list[Any]) -> None:
    product = given(PRODUCT_ID, created(), *history)

    product.archive(at=at(10))

    assert new_events(product) == [ARCHIVED]
    assert product.status == "archived"


ON_ARCHIVED = {
    "edit": lambda p: p.edit(currency="EUR", at=at(10), title="New"),
    "edit nothing": lambda p: p.edit(currency="EUR", at=at(10)),
    "publish": lambda p: p.publish(at=at(10)),
    "unpublish": lambda p: p.unpublish(at=at(10)),
    "archive": lambda p: p.archive(at=at(10)),
}


@pytest.mark.parametrize("command", ON_ARCHIVED.values(), ids=ON_ARCHIVED.keys())
@pytest.mark.parametrize("history", [[ARCHIVED], [PUBLISHED, ARCHIVED]], ids=["draft", "pub"])
def test_an_archived_product_rejects_every_command(command: Any, history: list[Any]) -> None:
    product = given(PRODUCT_ID, created(), *history)

    error = rejected(product, lambda: command(product), ProductStateError)

    assert error.fields == {"status": "archived"}
    assert error.code == "invalid_product_transition"
