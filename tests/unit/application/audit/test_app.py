"""Auditors' use cases on the in-memory world: an aggregate's history with who did what, and
its state at any version or moment."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest

from application.audit.app import AggregateNotFoundError
from domain.shared.errors import ValidationError
from tests.unit.application.world import World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    store_id = world.new_store()
    world.stores.change_details(replace(world.ctx, actor="admin:ops"), store_id, name="Renamed")
    world.stores.suspend(world.ctx, store_id, reason="unpaid")
    return store_id


def test_the_history_says_what_happened_when_and_by_whom(world: World, store_id: UUID) -> None:
    history = world.audit.history(store_id)

    assert [(e.version, e.event_type) for e in history] == [
        (1, "Store.Registered"),
        (2, "Store.DetailsChanged"),
        (3, "Store.Suspended"),
    ]
    assert history[1].metadata["actor"] == "admin:ops"
    assert history[1].metadata["store_id"] == str(store_id)
    assert history[1].data["name"] == "Renamed"
    assert history[0].occurred_at < history[1].occurred_at < history[2].occurred_at


def test_the_state_at_a_version_and_at_a_moment(world: World, store_id: UUID) -> None:
    history = world.audit.history(store_id)

    assert world.audit.state(store_id)["status"] == "suspended"
    assert world.audit.state(store_id, version=1)["name"] == "Shop"
    assert world.audit.state(store_id, version=2)["name"] == "Renamed"
    at_second = world.audit.state(store_id, at=history[1].occurred_at + timedelta(microseconds=1))
    assert (at_second["name"], at_second["status"]) == ("Renamed", "active")
    assert world.audit.state(store_id, at=history[0].occurred_at)["name"] == "Shop"


def test_what_cannot_be_answered_names_the_field(world: World, store_id: UUID) -> None:
    history = world.audit.history(store_id)
    naive = history[0].occurred_at.replace(tzinfo=None)

    for ask, field in (
        ({"version": 4}, "version"),
        ({"version": 0}, "version"),
        ({"version": 1, "at": history[0].occurred_at}, "at"),
        ({"at": naive}, "at"),
    ):
        with pytest.raises(ValidationError) as raised:
            world.audit.state(store_id, **ask)
        assert raised.value.field == field
    with pytest.raises(AggregateNotFoundError):
        world.audit.state(store_id, at=history[0].occurred_at - timedelta(seconds=1))


def test_an_unknown_aggregate_has_no_history(world: World) -> None:
    with pytest.raises(AggregateNotFoundError):
        world.audit.history(UUID(int=7))
    with pytest.raises(AggregateNotFoundError):
        world.audit.state(UUID(int=7))
