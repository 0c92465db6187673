"""Writes the golden sample of each event class, as the event store keeps it: written once, kept.

Run from the repository root: ``.venv/bin/python -m tests.golden.make_samples``. It writes the
samples that are missing and never overwrites one: a sample is the record of what an old event
looks like, and events are forever. When an event class is added, add a scenario below (named
``<Aggregate>.<Event>``, ending with that event) and run the script; when an event's shape
changes, bump its ``class_version``, add an upcaster and add a scenario for the new version
(``<Aggregate>.<Event>.v2``): the old sample stays, and must still replay.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.context import CommandContext
from application.platform import OrionApplication
from domain.catalog.aggregates import Product, SkuClaim
from domain.shared.aggregate import OrionAggregate
from domain.shared.idempotency import IdempotencyRecord
from domain.shared.ids import idempotency_record_id
from domain.stores.aggregates import Store

EVENTS_DIR = Path(__file__).parent / "events"
T0 = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
STORE_CODE = "golden-shop"
STORE_ID = Store.id_for_code(STORE_CODE)
PRODUCT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
OTHER_PRODUCT_ID = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")
CONTEXT = CommandContext(
    actor="admin:golden", correlation_id="golden-sample", idempotency_key="golden-key"
).for_store(STORE_ID)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- scenarios: each builds one aggregate whose last event is the sampled one ---------------------


def registered_store() -> Store:
    return Store.register(
        code=STORE_CODE,
        name="Golden Shop",
        country="LU",
        currency="EUR",
        locale="fr_LU",
        at=at(0),
    )


def details_changed() -> Store:
    store = registered_store()
    store.change_details(name="Golden Shop Sàrl", country="BE", locale="nl_BE", at=at(1))
    return store


def suspended_store() -> Store:
    store = registered_store()
    store.suspend(reason="unpaid invoices", at=at(1))
    return store


def reactivated_store() -> Store:
    store = suspended_store()
    store.reactivate(at=at(2))
    return store


def variant(sku: str, amount: int, **attributes: str) -> dict[str, Any]:
    return {"sku": sku, "price": {"amount": amount, "currency": "EUR"}, "attributes": attributes}


def created_product() -> Product:
    return Product.create(
        store_id=STORE_ID,
        currency="EUR",
        title="Café crème 500 g",
        description="Whole beans ☕\nRoasted in Luxembourg.",
        tax_category="reduced",
        variants=[variant("CAF-500", 1290, grind="beans"), variant("CAF-500-G", 1350)],
        at=at(0),
        product_id=PRODUCT_ID,
    )


def edited_product() -> Product:
    product = created_product()
    product.edit(
        currency="EUR",
        at=at(1),
        title="Café crème 1 kg",
        description="Whole beans.",
        tax_category="standard",
        variants=[variant("CAF-1000", 2390, grind="beans", origin="Brazil")],
    )
    return product


def published_product() -> Product:
    product = created_product()
    product.publish(at=at(1))
    return product


def unpublished_product() -> Product:
    product = published_product()
    product.unpublish(at=at(2))
    return product


def archived_product() -> Product:
    product = published_product()
    product.archive(at=at(2))
    return product


def claimed_sku() -> SkuClaim:
    return SkuClaim.claim_new(store_id=STORE_ID, sku="CAF-500", product_id=PRODUCT_ID, at=at(0))


def released_sku() -> SkuClaim:
    claim = claimed_sku()
    claim.release(product_id=PRODUCT_ID, at=at(1))
    return claim


def reclaimed_sku() -> SkuClaim:
    claim = released_sku()
    claim.reclaim(product_id=OTHER_PRODUCT_ID, at=at(2))
    return claim


def idempotency_record() -> IdempotencyRecord:
    return IdempotencyRecord.record(
        record_id=idempotency_record_id("admin:golden:CreateProduct", "golden-key"),
        fingerprint="sha256:5f2b9c0e",
        result_id=PRODUCT_ID,
        result_version=1,
        at=at(0),
    )


SCENARIOS: dict[str, Callable[[], OrionAggregate]] = {
    "Store.Registered": registered_store,
    "Store.DetailsChanged": details_changed,
    "Store.Suspended": suspended_store,
    "Store.Reactivated": reactivated_store,
    "Product.Created": created_product,
    "Product.Edited": edited_product,
    "Product.Published": published_product,
    "Product.Unpublished": unpublished_product,
    "Product.Archived": archived_product,
    "SkuClaim.Claimed": claimed_sku,
    "SkuClaim.Released": released_sku,
    "SkuClaim.Reclaimed": reclaimed_sku,
    "IdempotencyRecord.Recorded": idempotency_record,
}


# -- writing ------------------------------------------------------------------------------------


def sample(name: str, build: Callable[[], OrionAggregate]) -> dict[str, Any]:
    """The aggregate's events as the event store records them, and the state they replay to."""
    app = OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    aggregate = build()
    last_event = aggregate.pending_events[-1]
    # The one write path stamps command metadata under _meta: samples carry it, as real events do.
    app.save(aggregate, orion_meta=CONTEXT.metadata())
    stored = app.recorder.select_events(aggregate.id)
    return {
        "sample": name,
        "event_topic": get_topic(type(last_event)),
        "event_class_version": getattr(type(last_event), "class_version", 1),
        "recorded_with": f"eventsourcing {version('eventsourcing')}",
        "stored_events": [
            {
                "originator_id": str(e.originator_id),
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state.decode("utf-8"),
            }
            for e in stored
        ],
        "expected_state": app.repository.get(aggregate.id).as_dict(),
    }


def write_samples(directory: Path = EVENTS_DIR) -> list[Path]:
    """Writes the missing samples; returns the paths written. Existing files are never touched."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SCENARIOS.items():
        path = directory / f"{name}.json"
        if path.exists():
            continue
        text = json.dumps(sample(name, build), indent=2, ensure_ascii=False) + "\n"
        with path.open("x", encoding="utf-8") as file:  # "x": fails rather than overwrite
            file.write(text)
        written.append(path)
    return written


def main() -> int:
    written = write_samples()
    for path in written:
        print(f"wrote {path}")
    kept = len(SCENARIOS) - len(written)
    print(f"{len(written)} sample(s) written, {kept} existing sample(s) kept unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
