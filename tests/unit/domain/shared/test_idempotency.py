"""IdempotencyRecord and the deterministic ids of natural keys."""

from __future__ import annotations

from uuid import UUID

from domain.shared.idempotency import IdempotencyRecord
from domain.shared.ids import idempotency_record_id, sku_claim_id, store_id_for_code
from tests.unit.domain.scenario import at, ev, new_events

RESULT_ID = UUID("00000000-0000-4000-8000-0000000000c1")


def test_record_a_command_result() -> None:
    record_id = idempotency_record_id("admin:RegisterStore", "key-1")

    record = IdempotencyRecord.record(
        record_id=record_id, fingerprint="f1", result_id=RESULT_ID, result_version=3, at=at(0)
    )

    assert new_events(record) == [
        ev(IdempotencyRecord.Recorded, fingerprint="f1", result_id=RESULT_ID, result_version=3)
    ]
    assert record.id == record_id
    assert (record.fingerprint, record.result_id, record.result_version) == ("f1", RESULT_ID, 3)


def test_natural_keys_give_stable_ids() -> None:
    assert idempotency_record_id("a:C", "k") == idempotency_record_id("a:C", "k")
    assert idempotency_record_id("a:C", "k") != idempotency_record_id("b:C", "k")
    assert store_id_for_code("Shop") == store_id_for_code("shop")


def test_natural_key_ids_never_change() -> None:
    # These ids are in every event store: a new namespace or key format would orphan them all.
    assert store_id_for_code("shop") == UUID("1d56634b-be30-5e11-857b-5b66ceb8ceb2")
    assert sku_claim_id(UUID(int=1), "TS-1") == UUID("1f5ef2c4-7726-5bae-aeba-b4dd2b37832c")
    assert idempotency_record_id("a:C", "k") == UUID("6a61550f-96a6-52f9-85fe-0dadc601fb4c")
