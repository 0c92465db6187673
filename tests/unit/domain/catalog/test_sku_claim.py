"""SkuClaim: one per (store, SKU), so a SKU belongs to at most one product of a store."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.catalog.aggregates import SkuClaim
from domain.catalog.errors import SkuTakenError
from domain.shared.errors import ConflictError
from domain.shared.ids import sku_claim_id
from tests.unit.domain.scenario import at, ev, given, new_events, rejected

STORE_ID = UUID("00000000-0000-4000-8000-00000000000a")
OTHER_STORE_ID = UUID("00000000-0000-4000-8000-00000000000b")
P1 = UUID("00000000-0000-4000-8000-0000000000b1")
P2 = UUID("00000000-0000-4000-8000-0000000000b2")
CLAIM_ID = sku_claim_id(STORE_ID, "TS-1")


def claimed(product_id: UUID = P1) -> Any:
    return ev(SkuClaim.Claimed, store_id=STORE_ID, sku="TS-1", product_id=product_id)


RELEASED = ev(SkuClaim.Released)


def test_claim_a_new_sku() -> None:
    claim = SkuClaim.claim_new(store_id=STORE_ID, sku="TS-1", product_id=P1, at=at(0))

    assert new_events(claim) == [claimed(P1)]
    assert claim.id == CLAIM_ID
    assert claim.product_id == P1


def test_the_claim_id_is_one_per_store_and_case_insensitive_sku() -> None:
    assert sku_claim_id(STORE_ID, "ts-1") == CLAIM_ID
    assert sku_claim_id(STORE_ID, "TS-2") != CLAIM_ID
    assert sku_claim_id(OTHER_STORE_ID, "TS-1") != CLAIM_ID


def test_release_by_its_product() -> None:
    claim = given(CLAIM_ID, claimed(P1))

    claim.release(product_id=P1, at=at(10))

    assert new_events(claim) == [RELEASED]
    assert claim.product_id is None


def test_release_by_another_product_records_nothing() -> None:
    claim = given(CLAIM_ID, claimed(P1))

    claim.release(product_id=P2, at=at(10))

    assert new_events(claim) == []
    assert claim.product_id == P1


def test_release_of_a_released_sku_records_nothing() -> None:
    claim = given(CLAIM_ID, claimed(P1), RELEASED)

    claim.release(product_id=P1, at=at(10))

    assert new_events(claim) == []


def test_reclaim_a_released_sku_by_another_product() -> None:
    claim = given(CLAIM_ID, claimed(P1), RELEASED)

    claim.reclaim(product_id=P2, at=at(10))

    assert new_events(claim) == [ev(SkuClaim.Reclaimed, product_id=P2)]
    assert claim.product_id == P2
    assert claim.version == 3


def test_reclaim_by_the_product_that_holds_it_records_nothing() -> None:
    claim = given(CLAIM_ID, claimed(P1))

    claim.reclaim(product_id=P1, at=at(10))

    assert new_events(claim) == []


def test_reclaim_by_another_product_while_held_is_sku_taken() -> None:
    claim = given(CLAIM_ID, claimed(P1))

    error = rejected(claim, lambda: claim.reclaim(product_id=P2, at=at(10)), SkuTakenError)

    assert isinstance(error, ConflictError)
    assert error.code == "sku_taken"
    assert error.fields == {"sku": "TS-1"}


def test_a_reclaimed_sku_is_taken_for_its_first_product() -> None:
    claim = given(CLAIM_ID, claimed(P1), RELEASED, ev(SkuClaim.Reclaimed, product_id=P2))

    rejected(claim, lambda: claim.reclaim(product_id=P1, at=at(10)), SkuTakenError)
