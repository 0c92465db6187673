"""The identity read models ("team", "customers"), fed through the use cases, on both backends.

Personal data is opened from its sealed form when the events are applied; erasure blanks it in
every table, destroys the key (also when the erasure stopped before doing so), and a rebuild
from the log gives the same rows, the erased people still blank.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from adapters.vault import keys_table
from application.context import CommandContext
from application.platform import Decision
from domain.identity.aggregates import Customer, User
from domain.shared.errors import ValidationError
from interfaces.bootstrap import Orion, all_projections
from projections.identity import queries
from projections.identity.projector import (
    CustomersProjection,
    NullPersonalData,
    TeamProjection,
)
from tests.builders import random_code
from tests.integration.projections.helpers import dump, rebuild_all

CTX = CommandContext(actor="test:identity")
PASSWORD = "correct horse battery"
IDENTITY = ["team", "customers"]


def catch_up(orion: Orion) -> None:
    orion.projections.run_until_caught_up(IDENTITY)
    for name in IDENTITY:
        status = orion.projections.status(name)
        assert status.state == "running" and status.error is None, status
    # A key destroyed on a helper thread (SQLite) is destroyed once this returns.
    for name in IDENTITY:
        projection = orion.projections.projections[name]
        assert isinstance(projection, TeamProjection | CustomersProjection)
        projection.shredder.drain()


def new_store(orion: Orion, *, name: str = "Team Shop", currency: str = "EUR") -> tuple[UUID, str]:
    code = random_code()
    result = orion.stores.register(
        CTX, code=code, name=name, country="LU", currency=currency, locale="en"
    )
    return result.id, code


def invite(orion: Orion, store_id: UUID, email: str, role: str) -> UUID:
    orion.teams.invite(CTX, store_id, email=email, role=role, by_role=None)
    team = orion.teams.team(store_id)
    assert team is not None
    return list(team.invitations)[-1]


def join(
    orion: Orion, store_id: UUID, email: str, role: str, *, name: str = "", password: str = PASSWORD
) -> UUID:
    invitation_id = invite(orion, store_id, email, role)
    token = orion.teams.invitation_token(store_id, invitation_id)
    return orion.teams.accept(CTX, token=token, password=password, name=name).account_id


def key_destroyed(orion: Orion, subject: UUID) -> bool:
    with orion.personal.engine.connect() as conn:
        row = conn.execute(select(keys_table).where(keys_table.c.subject_id == subject)).one()
    return row.wrapped_key is None and row.destroyed_at is not None


def every_text(orion: Orion, *names: str) -> str:
    """Every value of every row of the named read models, as one string to search."""
    return repr([dump(orion, name) for name in names])


# -- team -----------------------------------------------------------------------------------------


def test_users_members_invitations_and_memberships(orion: Orion) -> None:
    store_id, code = new_store(orion, name="Atelier Zoë")
    other_id, other_code = new_store(orion, name="Other Shop")
    admin = orion.users.create(
        CTX, email="Root@Example.com", password=PASSWORD, name="Root Admin", platform_admin=True
    )
    ana = join(orion, store_id, "ana.owner@example.com", "owner", name="Ána Ówner")
    ben = join(orion, store_id, "ben@example.com", "staff", name="Ben Staff")
    # Ana, who has an account, joins a second store with her password.
    assert join(orion, other_id, "ana.owner@example.com", "manager") == ana
    pending = invite(orion, store_id, "carla@example.com", "viewer")
    catch_up(orion)

    members = queries.list_members(orion.read, store_id)
    assert [(m["user_id"], m["role"], m["email"], m["name"], m["status"]) for m in members] == [
        (ana, "owner", "ana.owner@example.com", "Ána Ówner", "active"),
        (ben, "staff", "ben@example.com", "Ben Staff", "active"),
    ]
    assert set(members[0]) == set(queries.MEMBER_COLUMNS)
    assert members[0]["joined_at"].tzinfo is not None
    assert queries.get_member(orion.read, other_id, ana) is not None
    assert queries.get_member(orion.read, other_id, ben) is None  # another store's member
    assert sorted(
        (m["store_code"], m["store_name"], m["role"])
        for m in queries.memberships_of(orion.read, ana)
    ) == sorted([(code, "Atelier Zoë", "owner"), (other_code, "Other Shop", "manager")])

    invitations = queries.list_invitations(orion.read, store_id)
    assert [(i["status"], i["email"], i["role"]) for i in invitations] == [
        ("accepted", None, "owner"),  # the accepted invitation's address is shredded
        ("accepted", None, "staff"),
        ("pending", "carla@example.com", "viewer"),
    ]
    assert invitations[-1]["invitation_id"] == pending
    assert set(invitations[0]) == set(queries.INVITATION_COLUMNS)
    elsewhere = queries.list_invitations(orion.read, other_id)
    assert pending not in {i["invitation_id"] for i in elsewhere}
    assert queries.list_invitations(orion.read, store_id, status="pending")[0]["email"] == (
        "carla@example.com"
    )

    user = queries.get_user(orion.read, admin.id)
    assert user is not None and set(user) == set(queries.USER_COLUMNS)
    assert (user["email"], user["name"], user["platform_admin"], user["status"]) == (
        "root@example.com",
        "Root Admin",
        True,
        "active",
    )
    # Case- and accent-insensitive, on the name or the e-mail.
    for q, expected in [
        ("ana", [ana]),
        ("ÓWNER", [ana]),
        ("ben@EXAMPLE", [ben]),
        ("example.com", [admin.id, ana, ben]),
        ("100%", []),
    ]:
        rows, _ = queries.list_users(orion.read, q=q)
        assert {r["user_id"] for r in rows} == set(expected), q


def test_profile_status_and_role_changes_reach_every_store(orion: Orion) -> None:
    store_id, _ = new_store(orion)
    other_id, _ = new_store(orion)
    owner = join(orion, store_id, "owner@example.com", "owner", name="Olga")
    ana = join(orion, store_id, "ana@example.com", "staff", name="Ana")
    join(orion, other_id, "ana@example.com", "admin")
    catch_up(orion)

    orion.users.update_profile(CTX, ana, name="Ana Maria", expected_version=None)
    orion.users.disable(CTX, ana, reason="left")
    orion.teams.change_role(CTX, store_id, ana, role="manager", by_role=None)
    orion.stores.change_details(CTX, other_id, name="Renamed Shop")
    catch_up(orion)

    for sid in (store_id, other_id):
        member = queries.get_member(orion.read, sid, ana)
        assert member is not None
        assert (member["name"], member["status"]) == ("Ana Maria", "disabled"), sid
    assert queries.get_member(orion.read, store_id, ana)["role"] == "manager"  # type: ignore[index]
    assert queries.get_member(orion.read, other_id, ana)["role"] == "admin"  # type: ignore[index]
    assert {m["store_name"] for m in queries.memberships_of(orion.read, ana)} == {
        "Team Shop",
        "Renamed Shop",
    }
    user = queries.get_user(orion.read, ana)
    aggregate = orion.users.get(ana)
    assert user is not None and (user["status"], user["version"]) == ("disabled", aggregate.version)
    rows, _ = queries.list_users(orion.read, status="disabled")
    assert [r["user_id"] for r in rows] == [ana]

    orion.users.enable(CTX, ana)
    orion.teams.remove(CTX, store_id, ana, by_role=None)
    catch_up(orion)
    assert queries.get_member(orion.read, store_id, ana) is None
    assert queries.get_member(orion.read, other_id, ana)["status"] == "active"  # type: ignore[index]
    assert [m["user_id"] for m in queries.list_members(orion.read, store_id)] == [owner]

    # Removed, then invited again: one row, the new role.
    join(orion, store_id, "ana@example.com", "viewer")
    catch_up(orion)
    assert queries.get_member(orion.read, store_id, ana)["role"] == "viewer"  # type: ignore[index]


def test_api_keys(orion: Orion) -> None:
    store_id, _ = new_store(orion)
    other_id, _ = new_store(orion)
    kept = orion.teams.create_api_key(CTX, store_id, name="ERP sync", role="manager", by_role=None)
    revoked = orion.teams.create_api_key(CTX, store_id, name="Old", role="viewer", by_role=None)
    orion.teams.create_api_key(CTX, other_id, name="Elsewhere", role="viewer", by_role=None)
    orion.teams.revoke_api_key(CTX, store_id, revoked.result.id)
    catch_up(orion)

    keys = queries.list_api_keys(orion.read, store_id)
    assert [(k["key_id"], k["name"], k["role"]) for k in keys] == [
        (kept.result.id, "ERP sync", "manager")
    ]
    assert set(keys[0]) == set(queries.API_KEY_COLUMNS)
    assert kept.token.startswith(keys[0]["prefix"]) and keys[0]["revoked_at"] is None
    every = queries.list_api_keys(orion.read, store_id, include_revoked=True)
    assert [k["key_id"] for k in every] == [kept.result.id, revoked.result.id]
    assert every[1]["revoked_at"] is not None and every[1]["revoked_at"].tzinfo is not None


# -- customers ------------------------------------------------------------------------------------


def register(orion: Orion, store_id: UUID, email: str, **profile: Any) -> UUID:
    return orion.customers.register(
        CTX, store_id, email=email, password=PASSWORD, **profile
    ).account_id


def test_customers_list_filter_page_and_stay_in_their_store(orion: Orion) -> None:
    store_id, _ = new_store(orion, currency="EUR")
    other_id, _ = new_store(orion, currency="CHF")
    zoe = register(
        orion, store_id, "zoe@example.com", first_name="Zoë", last_name="Lefèvre", phone="+352 1234"
    )
    max_ = register(orion, store_id, "max@example.com", first_name="Max", marketing_consent=True)
    stranger = register(orion, other_id, "zoe@example.com", first_name="Zoë")
    catch_up(orion)

    row = queries.get_customer(orion.read, store_id, zoe)
    assert row is not None and set(row) == set(queries.CUSTOMER_COLUMNS)
    assert {k: row[k] for k in ("email", "first_name", "last_name", "phone", "status")} == {
        "email": "zoe@example.com",
        "first_name": "Zoë",
        "last_name": "Lefèvre",
        "phone": "+352 1234",
        "status": "active",
    }
    assert (row["order_count"], row["total_spent_minor"], row["last_order_at"]) == (0, 0, None)
    assert row["currency"] == "EUR" and row["language"] == "en"
    assert queries.get_customer(orion.read, other_id, zoe) is None  # another store's customer
    assert queries.get_customer(orion.read, other_id, stranger)["currency"] == "CHF"  # type: ignore[index]

    def ids(**filters: Any) -> list[UUID]:
        rows, _ = queries.list_customers(orion.read, store_id, **filters)
        return [r["customer_id"] for r in rows]

    assert ids() == [zoe, max_]
    assert ids(q="LEFEVRE") == [zoe]
    assert ids(q="zoe lef") == [zoe]
    assert ids(q="max@") == [max_]
    assert ids(q="_") == []  # LIKE wildcards are literal
    assert ids(marketing_consent=True) == [max_]
    assert ids(marketing_consent=False) == [zoe]

    first, cursor = queries.list_customers(orion.read, store_id, limit=1)
    assert [r["customer_id"] for r in first] == [zoe] and cursor is not None
    second, last = queries.list_customers(orion.read, store_id, limit=1, cursor=cursor)
    assert [r["customer_id"] for r in second] == [max_] and last is None
    with pytest.raises(ValidationError) as error:
        queries.list_customers(orion.read, store_id, cursor="not-a-cursor")
    assert error.value.field == "cursor"

    orion.customers.update_profile(
        CTX,
        store_id,
        zoe,
        changes={"last_name": "Martin", "phone": None, "marketing_consent": True, "language": "fr"},
    )
    orion.customers.add_address(
        CTX,
        store_id,
        zoe,
        address={"line1": "1 rue Haute", "city": "Esch", "postal_code": "L-4001", "country": "LU"},
    )
    orion.customers.deactivate(CTX, store_id, max_, reason="fraud")
    catch_up(orion)

    row = queries.get_customer(orion.read, store_id, zoe)
    assert row is not None
    assert (row["last_name"], row["phone"], row["marketing_consent"], row["language"]) == (
        "Martin",
        None,
        True,
        "fr",
    )
    # Every event moves the version clients send back as If-Match (addresses included).
    assert row["version"] == orion.customers.get(store_id, zoe).version
    assert ids(q="lefevre") == []
    assert ids(status="disabled") == [max_]
    assert ids(status="active") == [zoe]


# -- erasure --------------------------------------------------------------------------------------


def test_erasure_blanks_every_table_destroys_keys_and_survives_a_rebuild(orion: Orion) -> None:
    store_id, _ = new_store(orion)
    other_id, _ = new_store(orion)
    join(orion, store_id, "keeper@example.com", "owner", name="Kept Owner")
    gone = join(orion, store_id, "gone.member@example.com", "staff", name="Gonzalo Gone")
    join(orion, other_id, "gone.member@example.com", "viewer")
    customer = register(
        orion,
        store_id,
        "erase.me@example.com",
        first_name="Erin",
        last_name="Rase",
        phone="+352 621 987 654",
    )
    kept = register(orion, store_id, "kept@example.com", first_name="Kept")
    catch_up(orion)
    assert "Gonzalo" in every_text(orion, "team") and "Erin" in every_text(orion, "customers")

    orion.users.erase(CTX, gone, by="admin")
    orion.customers.erase(CTX, store_id, customer, by="store")
    catch_up(orion)

    user = queries.get_user(orion.read, gone)
    assert user is not None and (user["email"], user["name"], user["status"]) == (
        None,
        None,
        "erased",
    )
    for sid in (store_id, other_id):
        member = queries.get_member(orion.read, sid, gone)
        assert member is not None
        assert (member["email"], member["name"], member["status"]) == (None, None, "erased")
    row = queries.get_customer(orion.read, store_id, customer)
    assert row is not None and row["status"] == "erased"
    assert [row[k] for k in ("email", "first_name", "last_name", "phone")] == [None] * 4
    assert queries.get_customer(orion.read, store_id, kept)["first_name"] == "Kept"  # type: ignore[index]
    assert key_destroyed(orion, gone) and key_destroyed(orion, customer)
    rows, _ = queries.list_customers(orion.read, store_id, q="erin")
    assert rows == []

    def nothing_left() -> None:
        # Not in any column: clear, folded or sealed.
        text = every_text(orion, "team", "customers")
        for secret in (
            "gone.member",
            "gonzalo",
            "Gonzalo",
            "erase.me",
            "erin",
            "Erin",
            "621 987 654",
        ):
            assert secret not in text, secret
        assert "Kept Owner" in text and "kept@example.com" in text

    nothing_left()
    live = {name: dump(orion, name) for name in IDENTITY}
    rebuild_all(orion)
    assert {name: orion.projections.status(name).generation for name in IDENTITY} == {
        "team": 2,
        "customers": 2,
    }
    assert {name: dump(orion, name) for name in IDENTITY} == live
    nothing_left()


def test_an_erasure_that_stopped_before_destroying_the_key_is_finished(orion: Orion) -> None:
    store_id, _ = new_store(orion)
    user_id = join(orion, store_id, "half.erased@example.com", "staff", name="Half Erased")
    customer_id = register(orion, store_id, "half.customer@example.com", first_name="Half")
    catch_up(orion)

    # The events of an erasure whose process stopped before it destroyed the keys.
    def erase_user(at: Any) -> Decision:
        user = orion.platform.find(User, user_id)
        assert user is not None
        user.erase(by="admin", at=at)
        return Decision(user)

    def erase_customer(at: Any) -> Decision:
        customer = orion.platform.find(Customer, customer_id)
        assert customer is not None
        customer.erase(by="store", at=at)
        return Decision(customer)

    orion.platform.execute(CTX, "EraseUser", erase_user)
    orion.platform.execute(CTX.for_store(store_id), "EraseCustomer", erase_customer)
    assert not key_destroyed(orion, user_id) and not key_destroyed(orion, customer_id)

    catch_up(orion)

    assert key_destroyed(orion, user_id) and key_destroyed(orion, customer_id)
    member = queries.get_member(orion.read, store_id, user_id)
    assert member is not None and (member["email"], member["name"]) == (None, None)
    row = queries.get_customer(orion.read, store_id, customer_id)
    assert row is not None and (row["email"], row["first_name"]) == (None, None)


def test_a_superseded_invitation_loses_its_address_and_key(orion: Orion) -> None:
    store_id, _ = new_store(orion)
    first = invite(orion, store_id, "twice@example.com", "staff")
    second = invite(orion, store_id, "twice@example.com", "manager")  # revokes the first
    catch_up(orion)

    assert [
        (i["invitation_id"], i["status"], i["email"])
        for i in queries.list_invitations(orion.read, store_id)
    ] == [(first, "revoked", None), (second, "pending", "twice@example.com")]
    assert key_destroyed(orion, first) and not key_destroyed(orion, second)


def test_without_personal_data_every_sealed_value_reads_as_erased(orion: Orion) -> None:
    null = NullPersonalData()
    assert null.open(UUID(int=1), "pd1.anything") is None
    null.destroy(UUID(int=1))
    with pytest.raises(RuntimeError):
        null.seal(UUID(int=1), {"email": "x@example.com"})
    projections = {p.name: p for p in all_projections()}
    assert isinstance(projections["team"], TeamProjection)
    assert isinstance(projections["customers"], CustomersProjection)
    assert isinstance(projections["team"].personal, NullPersonalData)
    # The running platform's identity read models use its real keys.
    assert orion.projections.projections["team"].personal is orion.personal  # type: ignore[attr-defined]


def test_batch_boundaries_change_nothing(orion: Orion) -> None:
    # One event per batch: a user's registration and their joining a team, or a row and its
    # later changes, are applied by different batches; a rebuild applies them all in one.
    orion.projections.batch_size = 1
    store_id, _ = new_store(orion)
    ana = join(orion, store_id, "ana@example.com", "owner", name="Ana")
    orion.users.update_profile(CTX, ana, name="Ana Bee", expected_version=None)
    ben = join(orion, store_id, "ben@example.com", "staff", name="Ben")
    orion.users.erase(CTX, ben, by="admin")
    customer = register(orion, store_id, "cleo@example.com", first_name="Cleo")
    orion.customers.update_profile(CTX, store_id, customer, changes={"last_name": "Dupont"})
    catch_up(orion)

    assert [
        (m["name"], m["email"], m["status"]) for m in queries.list_members(orion.read, store_id)
    ] == [
        ("Ana Bee", "ana@example.com", "active"),
        (None, None, "erased"),
    ]
    assert queries.get_customer(orion.read, store_id, customer)["last_name"] == "Dupont"  # type: ignore[index]
    # A blank filter is no filter: erased people (no e-mail, no name) are listed too.
    rows, _ = queries.list_users(orion.read, q="  ")
    assert {r["user_id"] for r in rows} == {ana, ben}

    live = {name: dump(orion, name) for name in IDENTITY}
    rebuild_all(orion)
    assert {name: dump(orion, name) for name in IDENTITY} == live
