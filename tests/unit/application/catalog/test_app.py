"""Catalog use cases on the in-memory store: SKUs stay unique within a store, across products."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest

from domain.catalog.aggregates import SkuClaim
from domain.catalog.errors import ProductNotFoundError, ProductStateError, SkuTakenError
from domain.shared.errors import ConflictError, PreconditionFailedError, ValidationError
from domain.shared.ids import sku_claim_id
from domain.stores.errors import StoreNotFoundError
from tests.unit.application.world import World, variant


@pytest.fixture
def world() -> World:
    return World()


def holder(world: World, store_id: UUID, sku: str) -> UUID | None:
    claim = world.platform.find(SkuClaim, sku_claim_id(store_id, sku))
    assert claim is not None
    return claim.product_id


def test_create_product_claims_each_of_its_skus(world: World) -> None:
    store_id = world.new_store()

    product_id = world.new_product(store_id, "TS-S", "TS-M")

    assert holder(world, store_id, "TS-S") == holder(world, store_id, "ts-m") == product_id


def test_a_sku_of_one_product_is_taken_for_the_others_in_any_case(world: World) -> None:
    store_id = world.new_store()
    world.new_product(store_id, "TS-S")
    head = world.platform.head()

    with pytest.raises(SkuTakenError):
        world.new_product(store_id, "NEW-1", "ts-s")

    assert world.platform.head() == head, "a refused command writes nothing"
    assert world.platform.find(SkuClaim, sku_claim_id(store_id, "NEW-1")) is None


def test_the_same_sku_in_another_store_is_free(world: World) -> None:
    first, second = world.new_store("one"), world.new_store("two")
    world.new_product(first, "TS-S")

    assert world.new_product(second, "TS-S")


def test_an_edit_releases_the_skus_it_drops_and_claims_the_new_ones(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "TS-S", "TS-M")

    world.catalog.edit_product(
        world.ctx, store_id, product_id, variants=[variant("TS-M"), variant("TS-L")]
    )

    assert holder(world, store_id, "TS-S") is None
    assert holder(world, store_id, "TS-L") == holder(world, store_id, "TS-M") == product_id
    assert world.new_product(store_id, "TS-S")


def test_an_edit_that_changes_only_the_case_of_a_sku_keeps_it(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "ts-s")

    world.catalog.edit_product(world.ctx, store_id, product_id, variants=[variant("TS-S")])

    assert holder(world, store_id, "TS-S") == product_id
    with pytest.raises(SkuTakenError):
        world.new_product(store_id, "ts-s")


def test_archive_frees_the_skus_for_new_products(world: World) -> None:
    store_id = world.new_store()
    old = world.new_product(store_id, "TS-S")

    world.catalog.archive(world.ctx, store_id, old)
    new = world.new_product(store_id, "TS-S")

    assert holder(world, store_id, "TS-S") == new


def test_another_stores_product_is_not_found(world: World) -> None:
    mine, theirs = world.new_store("mine"), world.new_store("theirs")
    product_id = world.new_product(theirs, "TS-S")

    with pytest.raises(ProductNotFoundError):
        world.catalog.get_product(mine, product_id)
    with pytest.raises(ProductNotFoundError):
        world.catalog.publish(world.ctx, mine, product_id)


def test_a_concurrent_edit_is_reported_as_a_concurrent_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "TS-S")
    save = world.app.save

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        # Another request edits the same product between our load and our save.
        monkeypatch.setattr(world.app, "save", save)
        world.catalog.edit_product(world.ctx, store_id, product_id, title="Theirs")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(world.app, "save", save_after_a_rival)

    with pytest.raises(ConflictError) as raised:
        world.catalog.edit_product(world.ctx, store_id, product_id, title="Mine")

    # The SKUs were never contested: the answer must not tell the client they were.
    assert not isinstance(raised.value, SkuTakenError)


def test_an_archived_product_is_neither_published_nor_edited(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "TS-S")
    world.catalog.archive(world.ctx, store_id, product_id)
    head = world.platform.head()

    with pytest.raises(ProductStateError):
        world.catalog.publish(world.ctx, store_id, product_id)
    with pytest.raises(ProductStateError):
        world.catalog.edit_product(world.ctx, store_id, product_id, title="Back")

    assert world.platform.head() == head


def test_a_transition_on_a_version_the_client_never_saw_is_refused(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "TS-S")
    published = world.catalog.publish(world.ctx, store_id, product_id, expected_version=1)

    with pytest.raises(PreconditionFailedError):
        world.catalog.unpublish(world.ctx, store_id, product_id, expected_version=1)
    world.catalog.unpublish(world.ctx, store_id, product_id, expected_version=published.version)

    assert world.catalog.get_product(store_id, product_id).status == "draft"


def test_a_product_needs_its_store_and_the_store_s_currency(world: World) -> None:
    store_id = world.new_store()
    unknown = World().new_store("elsewhere")

    with pytest.raises(StoreNotFoundError):
        world.new_product(unknown, "TS-S")
    with pytest.raises(ValidationError):
        world.catalog.create_product(
            world.ctx,
            store_id,
            title="Priced in dollars",
            variants=[{"sku": "USD-1", "price": {"amount": 100, "currency": "USD"}}],
        )
    assert world.platform.find(SkuClaim, sku_claim_id(store_id, "USD-1")) is None


# -- idempotency keys ----------------------------------------------------------------------------


def test_a_refused_command_does_not_burn_its_key(world: World) -> None:
    """A refusal is not recorded: the same key with a corrected request then succeeds."""
    store_id = world.new_store()
    ctx = replace(world.ctx, idempotency_key="fix-me", request_fingerprint="first")

    with pytest.raises(ValidationError):
        world.catalog.create_product(ctx, store_id, title=" ", variants=[variant("A")])
    made = world.catalog.create_product(
        replace(ctx, request_fingerprint="second"), store_id, title="A", variants=[variant("A")]
    )

    assert not made.replayed


def test_a_key_answers_for_its_own_command_only(world: World) -> None:
    store_id = world.new_store()
    ctx = replace(world.ctx, idempotency_key="x", request_fingerprint="f")
    created = world.catalog.create_product(ctx, store_id, title="A", variants=[variant("A")])

    published = world.catalog.publish(ctx, store_id, created.id)

    assert not published.replayed and published.version == 2


def test_a_key_is_the_caller_s_own(world: World) -> None:
    store_id = world.new_store()
    mine = replace(world.ctx, idempotency_key="k", request_fingerprint="f")
    theirs = replace(mine, actor="admin:other")
    first = world.catalog.create_product(mine, store_id, title="A", variants=[variant("A")])

    second = world.catalog.create_product(theirs, store_id, title="B", variants=[variant("B")])

    assert not second.replayed and second.id != first.id
