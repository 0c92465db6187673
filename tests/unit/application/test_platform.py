"""The one write path: metadata on every event, idempotency keys, one atomic save per command."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.shared.errors import ValidationError
from domain.shared.events import event_metadata
from domain.stores.errors import StoreCodeTakenError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


def test_every_event_of_a_command_carries_its_metadata(world: World) -> None:
    ctx = replace(world.ctx, correlation_id="corr-1")
    store_id = world.new_store()

    world.catalog.create_product(
        ctx,
        store_id,
        title="A",
        variants=[{"sku": s, "price": {"amount": 1, "currency": "EUR"}} for s in ("A", "B")],
    )

    notifications = world.app.recorder.select_notifications(start=2, limit=10)
    assert len(notifications) == 3  # the product and its two SKU claims
    for notification in notifications:
        event = world.app.mapper.to_domain_event(notification)
        assert event_metadata(event) == {
            "actor": "admin:test",
            "correlation_id": "corr-1",
            "idempotency_key": None,
            "store_id": str(store_id),
        }


def test_the_same_key_and_request_answers_as_the_first_time_and_writes_nothing(
    world: World,
) -> None:
    ctx = replace(world.ctx, idempotency_key="k1", request_fingerprint="f1")
    store_id = world.new_store()
    first = world.catalog.publish(ctx, store_id, world.new_product(store_id, "A"))
    head = world.platform.head()

    again = world.catalog.publish(ctx, store_id, first.id)

    assert (again.id, again.version, again.replayed) == (first.id, first.version, True)
    assert world.platform.head() == head


def test_the_same_key_with_another_request_is_refused(world: World) -> None:
    store_id = world.new_store()
    product_id = world.new_product(store_id, "A")
    ctx = replace(world.ctx, idempotency_key="k1", request_fingerprint="f1")
    world.catalog.publish(ctx, store_id, product_id)

    with pytest.raises(ValidationError) as raised:
        world.catalog.publish(replace(ctx, request_fingerprint="f2"), store_id, product_id)

    assert raised.value.field == "Idempotency-Key"


def test_a_lost_race_writes_none_of_the_commands_aggregates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_id = world.new_store()
    save = world.app.save

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        # Another request registers the same code between our check and our save.
        monkeypatch.setattr(world.app, "save", save)
        world.new_store("taken")
        return save(*aggregates, **kwargs)

    monkeypatch.setattr(world.app, "save", save_after_a_rival)
    ctx = replace(world.ctx, idempotency_key="k2", request_fingerprint="f")
    head_before = world.platform.head()

    with pytest.raises(StoreCodeTakenError):
        world.stores.register(
            ctx, code="taken", name="Mine", country="LU", currency="EUR", locale="en"
        )

    assert world.platform.head() == head_before + 1, "only the rival's event was written"
    assert world.stores.get(store_id)


def test_listeners_hear_each_outcome(world: World) -> None:
    heard: list[tuple[str, str, int]] = []
    world.platform.listeners.append(lambda cmd, outcome, n, _pos: heard.append((cmd, outcome, n)))

    store_id = world.new_store()
    with pytest.raises(StoreCodeTakenError):
        world.new_store()
    world.stores.suspend(world.ctx, store_id, reason="audit")

    assert heard == [
        ("RegisterStore", "ok", 1),
        ("RegisterStore", "StoreCodeTakenError", 0),
        ("SuspendStore", "ok", 1),
    ]
