"""Property tests of Product: any sequence of commands keeps its invariants and replays exactly.

Every generated command is applied, valid or not. A small model of the status says which ones
must fail; those must raise the domain error and change nothing. The others are saved in an
in-memory event store, and at the end the events (live, then as stored) must replay to the live
aggregate, and every version N to the state the aggregate had right after its N-th event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.catalog.aggregates import Product
from domain.catalog.errors import ProductStateError
from domain.catalog.values import TaxCategory
from domain.shared.errors import ValidationError
from tests.unit.domain.replay import Recorder
from tests.unit.domain.scenario import at

CURRENCY = "EUR"
STATUSES = {"draft", "published", "archived"}

# -- valid input ---------------------------------------------------------------------------------

# Any text but control characters (white space folds) and lone surrogates, which the model
# refuses (not storable text).
text = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(" \t\n")
titles = st.text(text, min_size=1, max_size=40).filter(lambda t: t.split()) | st.sampled_from(
    ["T-shirt", "  T-shirt ", "Mug"]
)
descriptions = st.text(text, max_size=40)
tax_categories = st.sampled_from([t.value for t in TaxCategory])
# A small pool of SKUs makes edits that keep, drop and re-add the same SKUs likely.
skus = st.sampled_from(["TS-S", "TS-M", "TS-L", "MUG.1", "CAP/2"]) | st.from_regex(
    r"[A-Za-z0-9][A-Za-z0-9._/-]{0,10}", fullmatch=True
)
variant: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {
        "sku": skus,
        "price": st.fixed_dictionaries(
            {"amount": st.integers(0, 100_000), "currency": st.just(CURRENCY)}
        ),
        "attributes": st.dictionaries(
            st.sampled_from(["size", "color", "fit"]),
            st.sampled_from(["S", "M", "L", "red", " blue "]),
            max_size=3,
        ),
    }
)
variant_lists = st.lists(variant, min_size=1, max_size=4, unique_by=lambda v: v["sku"].casefold())


@st.composite
def broken_variants(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Variants with exactly one fault: none, a SKU twice, another currency, a negative price."""
    variants = draw(variant_lists)
    fault = draw(st.sampled_from(["empty", "duplicate", "currency", "negative"]))
    if fault == "empty":
        return []
    i = draw(st.integers(0, len(variants) - 1))
    if fault == "duplicate":
        return [*variants, {**variants[i], "sku": variants[i]["sku"].swapcase()}]
    price: dict[str, Any] = {**variants[i]["price"]}
    if fault == "currency":
        price["currency"] = "USD"
    else:
        price["amount"] = -1
    variants[i] = {**variants[i], "price": price}
    return variants


# -- commands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    title: str | None = None
    description: str | None = None
    tax_category: str | None = None
    variants: list[dict[str, Any]] | None = None
    broken: str | None = None  # the field that must be reported invalid, if any


@dataclass(frozen=True)
class Publish:
    pass


@dataclass(frozen=True)
class Unpublish:
    pass


@dataclass(frozen=True)
class Archive:
    pass


Command = Edit | Publish | Unpublish | Archive


@st.composite
def edits(draw: st.DrawFn) -> Edit:
    edit = Edit(
        title=draw(st.none() | titles),
        description=draw(st.none() | descriptions),
        tax_category=draw(st.none() | tax_categories),
        variants=draw(st.none() | variant_lists),
    )
    broken = draw(st.sampled_from([None, None, None, "title", "tax_category", "variants"]))
    if broken == "title":
        bad = ["", "  ", "\n", "x" * 201, "a\x00b", "a\x07b", "T-shirt \udfff"]
        return Edit(draw(st.sampled_from(bad)), broken="title")
    if broken == "tax_category":
        return Edit(edit.title, tax_category="luxury", broken="tax_category")
    if broken == "variants":
        return Edit(edit.title, variants=draw(broken_variants()), broken="variants")
    return edit


commands = st.one_of(edits(), st.just(Publish()), st.just(Unpublish()), st.just(Archive()))


@st.composite
def new_products(draw: st.DrawFn) -> Product:
    return Product.create(
        store_id=draw(st.uuids()),
        currency=CURRENCY,
        title=draw(titles),
        description=draw(descriptions),
        tax_category=draw(tax_categories),
        variants=draw(variant_lists),
        at=at(0),
        product_id=draw(st.uuids()),
    )


# -- the model: which commands must fail, and the status after the others -------------------------


def expected_outcome(status: str, command: Command) -> type[Exception] | str:
    """The error the command must raise, or the status it leads to."""
    if status == "archived":
        return ProductStateError  # archived is terminal: every command is refused
    match command:
        case Edit(broken=None):
            return status
        case Edit():
            return ValidationError
        case Publish():
            return "published" if status == "draft" else ProductStateError
        case Unpublish():
            return "draft" if status == "published" else ProductStateError
        case Archive():
            return "archived"
    raise AssertionError(command)


def run(product: Product, command: Command, minute: int) -> None:
    match command:
        case Edit():
            product.edit(
                currency=CURRENCY,
                at=at(minute),
                title=command.title,
                description=command.description,
                tax_category=command.tax_category,
                variants=command.variants,
            )
        case Publish():
            product.publish(at=at(minute))
        case Unpublish():
            product.unpublish(at=at(minute))
        case Archive():
            product.archive(at=at(minute))


def assert_invariants(product: Product) -> None:
    assert product.status in STATUSES
    assert product.variants, "a product always has at least one variant"
    folded = [sku.casefold() for sku in product.skus]
    assert len(set(folded)) == len(folded), "SKUs are unique within a product"
    assert all(v.price.currency == CURRENCY and v.price.amount >= 0 for v in product.variants)
    assert product.title and len(product.title) <= 200


@settings(max_examples=150, deadline=None)
@given(product=new_products(), commands=st.lists(commands, max_size=20))
def test_any_command_sequence_keeps_the_invariants_and_replays_exactly(
    product: Product, commands: list[Command]
) -> None:
    recorder = Recorder(product)
    status = "draft"
    for minute, command in enumerate(commands, start=1):
        outcome = expected_outcome(status, command)
        before = product.as_dict()
        if isinstance(outcome, str):
            run(product, command, minute)
            status = outcome
            recorder.save()
        else:
            with pytest.raises(outcome) as raised:
                run(product, command, minute)
            assert product.collect_events() == []
            assert product.as_dict() == before
            if isinstance(raised.value, ProductStateError):
                assert raised.value.fields == {"status": status}
            elif isinstance(command, Edit) and command.broken:
                assert isinstance(raised.value, ValidationError)
                assert raised.value.field.startswith(command.broken)
        assert product.status == status
        assert_invariants(product)

    recorder.assert_replays()


@settings(max_examples=50, deadline=None)
@given(product=new_products(), edit=edits())
def test_an_edit_records_exactly_the_fields_it_changed(product: Product, edit: Edit) -> None:
    product.collect_events()
    before = product.as_dict()
    try:
        changes = product.edit(
            currency=CURRENCY,
            at=at(1),
            title=edit.title,
            description=edit.description,
            tax_category=edit.tax_category,
            variants=edit.variants,
        )
    except ValidationError:
        assert edit.broken
        return
    after = product.as_dict()
    changed = {k for k in after if after[k] != before[k]} - {"version", "modified_on"}
    assert set(changes) == changed
    assert [vars(e)["changes"] for e in product.collect_events()] == ([changes] if changes else [])
