"""Events are forever: every event class has a golden sample, and every sample still replays.

A sample (tests/golden/events/*.json, written once by make_samples.py) holds an aggregate's events
exactly as the event store recorded them (topic and JSON state bytes) and the state they replayed
to. A change that renames, moves or reshapes an event class without a ``class_version`` and an
upcaster, or changes what an old event means, fails here.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from application.platform import OrionApplication
from domain.shared.events import META_KEY
from domain.shared.topics import registered, topic
from tests.golden import make_samples
from tests.golden.compare import recorded_part
from tests.golden.discovery import aggregate_classes, event_classes

SAMPLES = sorted(make_samples.EVENTS_DIR.glob("*.json"))
KNOWN_EVENTS = {
    "domain.stores.aggregates:Store.Registered",
    "domain.stores.aggregates:Store.DetailsChanged",
    "domain.stores.aggregates:Store.Suspended",
    "domain.stores.aggregates:Store.Reactivated",
    "domain.catalog.aggregates:Product.Created",
    "domain.catalog.aggregates:Product.Edited",
    "domain.catalog.aggregates:Product.Published",
    "domain.catalog.aggregates:Product.Unpublished",
    "domain.catalog.aggregates:Product.Archived",
    "domain.catalog.aggregates:SkuClaim.Claimed",
    "domain.catalog.aggregates:SkuClaim.Released",
    "domain.catalog.aggregates:SkuClaim.Reclaimed",
    "domain.shared.idempotency:IdempotencyRecord.Recorded",
}


def load(path: Path) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return sample


def fresh_app() -> OrionApplication:
    return OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def stored_events(sample: dict[str, Any]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=UUID(e["originator_id"]),
            originator_version=e["originator_version"],
            topic=e["topic"],
            state=e["state"].encode("utf-8"),
        )
        for e in sample["stored_events"]
    ]


def assert_state_kept(state: dict[str, Any], expected: dict[str, Any]) -> None:
    assert recorded_part(state, expected) == expected


def test_the_discovery_finds_every_known_event_class() -> None:
    assert set(event_classes().values()) >= {resolve_topic(t) for t in KNOWN_EVENTS}


def test_every_event_class_is_recorded_under_a_stable_topic() -> None:
    # A topic names the event, not the module its class lives in: a class can move.
    for cls in [*event_classes().values(), *aggregate_classes()]:
        stored = get_topic(cls)
        assert stored == topic(cls) and not stored.startswith("domain."), cls
        assert resolve_topic(stored) is cls
    stable = [topics[0] for topics in registered().values()]
    assert len(stable) == len(set(stable)), "two classes share a stable topic"


def test_every_event_class_has_a_golden_sample() -> None:
    # (Samples written before stable topics name the class by its old path: it resolves.)
    sampled = {resolve_topic(load(path)["event_topic"]) for path in SAMPLES}
    missing = sorted(t for t, cls in event_classes().items() if cls not in sampled)
    assert not missing, (
        f"event classes without a golden sample: {missing}. Add a scenario for each to "
        "tests/golden/make_samples.py, run `.venv/bin/python -m tests.golden.make_samples` "
        "and commit the new tests/golden/events/*.json files."
    )


def test_the_current_version_of_every_event_class_has_a_golden_sample() -> None:
    # A new class_version needs a sample of its own; the samples of older versions stay.
    sampled = {
        (resolve_topic(load(path)["event_topic"]), load(path)["event_class_version"])
        for path in SAMPLES
    }
    missing = sorted(
        (t, version)
        for t, cls in event_classes().items()
        if (cls, version := getattr(cls, "class_version", 1)) not in sampled
    )
    assert not missing, f"event class versions without a golden sample: {missing}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_ends_with_the_event_it_samples(path: Path) -> None:
    sample = load(path)

    assert sample["stored_events"][-1]["topic"] == sample["event_topic"]
    versions = [e["originator_version"] for e in sample["stored_events"]]
    assert versions == list(range(1, len(versions) + 1))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_decodes_and_replays_to_its_recorded_state(path: Path) -> None:
    sample = load(path)
    mapper = fresh_app().mapper

    aggregate: Any = None
    for stored in stored_events(sample):
        event: Any = mapper.to_domain_event(stored)
        aggregate = event.mutate(aggregate)

    assert_state_kept(aggregate.as_dict(), sample["expected_state"])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_loads_through_the_repository(path: Path) -> None:
    sample = load(path)
    app = fresh_app()
    records = stored_events(sample)
    app.recorder.insert_events(records)

    aggregate: Any = app.repository.get(records[0].originator_id)

    assert_state_kept(aggregate.as_dict(), sample["expected_state"])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_sample_has_exactly_the_fields_of_its_event_class(path: Path) -> None:
    # Adding, renaming or dropping a field needs a class_version and an upcaster: after
    # upcasting, an old event has exactly the attributes of the current class.
    mapper = fresh_app().mapper

    for stored in stored_events(load(path)):
        event: Any = mapper.to_domain_event(stored)
        fields = {field.name for field in dataclasses.fields(type(event))}
        assert set(vars(event)) - {META_KEY} == fields, get_topic(type(event))


def test_make_samples_never_overwrites_a_sample(tmp_path: Path) -> None:
    kept = tmp_path / "Store.Registered.json"
    kept.write_text("an old sample\n")

    written = make_samples.write_samples(tmp_path)

    assert kept.read_text() == "an old sample\n"
    assert kept not in written
    assert len(written) == len(make_samples.SCENARIOS) - 1
    assert make_samples.write_samples(tmp_path) == []
