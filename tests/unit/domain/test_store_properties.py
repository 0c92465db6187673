"""Property tests of Store: any command sequence keeps its invariants and replays exactly.

Stores are snapshotted (every 50 events), so a long history is also checked version by version:
a version above a snapshot loads from the snapshot plus events.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.shared.errors import ValidationError
from domain.shared.ids import store_id_for_code
from domain.stores.aggregates import Store
from domain.stores.errors import StoreStateError
from domain.stores.values import MAX_NAME
from tests.unit.domain.replay import Recorder
from tests.unit.domain.scenario import at

# Any text but control characters (white space folds) and lone surrogates: not storable text.
text = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(" \t\n")
names = st.text(text, min_size=1, max_size=30).filter(lambda t: t.split()) | st.just("Shop")
countries = st.sampled_from(["LU", "BE", "de", " fr ", "US"])
locales = st.sampled_from(["en", "fr-LU", "de_DE", "pt-BR", "fr_LU"])


@dataclass(frozen=True)
class ChangeDetails:
    name: str | None = None
    country: str | None = None
    locale: str | None = None
    broken: str | None = None


@dataclass(frozen=True)
class Suspend:
    reason: str
    broken: str | None = None


@dataclass(frozen=True)
class Reactivate:
    pass


Command = ChangeDetails | Suspend | Reactivate

BAD = {"name": " ", "country": "XX", "locale": "xx"}
# Names the model refuses, one is drawn where BAD's is: blank, NUL, a control character, a
# lone surrogate (as JSON's "\ud800" decodes), too long.
BAD_NAMES = ("", " ", "a\x00b", "a\x01b", "Shop \ud800", "x" * (MAX_NAME + 1))


@st.composite
def change_details(draw: st.DrawFn) -> ChangeDetails:
    fields = {
        "name": draw(st.none() | names),
        "country": draw(st.none() | countries),
        "locale": draw(st.none() | locales),
    }
    broken = draw(st.sampled_from([None, None, *BAD]))
    if broken:
        fields[broken] = draw(st.sampled_from(BAD_NAMES)) if broken == "name" else BAD[broken]
    return ChangeDetails(**fields, broken=broken)


suspends = st.builds(Suspend, reason=names) | st.just(Suspend(" \t", broken="reason"))
commands = st.one_of(change_details(), suspends, st.just(Reactivate()))


def expected_outcome(status: str, command: Command) -> type[Exception] | str:
    match command:
        case ChangeDetails(broken=None):
            return status
        case Suspend() if status == "suspended":
            return StoreStateError  # the transition is checked before the reason
        case Suspend(broken=None):
            return "suspended"
        case Reactivate():
            return "active" if status == "suspended" else StoreStateError
    return ValidationError


def run(store: Store, command: Command, minute: int) -> None:
    match command:
        case ChangeDetails():
            store.change_details(
                name=command.name, country=command.country, locale=command.locale, at=at(minute)
            )
        case Suspend():
            store.suspend(reason=command.reason, at=at(minute))
        case Reactivate():
            store.reactivate(at=at(minute))


def assert_invariants(store: Store, code: str) -> None:
    assert store.status in {"active", "suspended"}
    assert (store.suspension_reason is None) == store.is_active
    assert store.code == code and store.currency == "EUR", "code and currency never change"
    assert store.id == store_id_for_code(code)


def new_store() -> Store:
    return Store.register(
        code="shop", name="Shop", country="LU", currency="EUR", locale="fr_LU", at=at(0)
    )


@settings(max_examples=100, deadline=None)
@given(commands=st.lists(commands, max_size=30))
def test_any_command_sequence_keeps_the_invariants_and_replays_exactly(
    commands: list[Command],
) -> None:
    store = new_store()
    recorder = Recorder(store)
    status = "active"
    for minute, command in enumerate(commands, start=1):
        outcome = expected_outcome(status, command)
        before = store.as_dict()
        if isinstance(outcome, str):
            run(store, command, minute)
            status = outcome
            recorder.save()
        else:
            with pytest.raises(outcome) as raised:
                run(store, command, minute)
            assert store.collect_events() == []
            assert store.as_dict() == before
            if isinstance(raised.value, StoreStateError):
                assert raised.value.fields == {"status": status}
            else:
                assert isinstance(raised.value, ValidationError)
                assert raised.value.field == command.broken  # type: ignore[union-attr]
        assert store.status == status
        assert_invariants(store, "shop")

    recorder.assert_replays()


def test_a_long_history_replays_at_every_version_through_its_snapshots() -> None:
    store = new_store()
    recorder = Recorder(store)
    for minute in range(1, 131):
        if store.is_active:
            store.suspend(reason=f"audit {minute}", at=at(minute))
        elif minute % 3:
            store.reactivate(at=at(minute))
        else:
            store.change_details(name=f"Shop {minute}", country=None, locale=None, at=at(minute))
        recorder.save()

    assert recorder.app.snapshots is not None
    snapshots = list(recorder.app.snapshots.get(store.id))
    assert [s.originator_version for s in snapshots] == [50, 100]
    recorder.assert_replays()
