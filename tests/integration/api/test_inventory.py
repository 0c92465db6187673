"""The store's inventory through HTTP: movements (receive, adjust, count), thresholds, stock
levels and their filters, a SKU's stock per location and its ledger (with who moved what),
locations, bad input, permissions, and concurrent receives that all count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from application.platform import Decision
from domain.inventory.aggregates import StockItem
from domain.shared.ids import stock_item_id
from interfaces.bootstrap import Orion
from projections.inventory import queries
from tests.builders import Api, random_code, variant
from tests.integration.api.test_idempotency_and_concurrency import all_at_once, header
from tests.integration.api.test_shop_account import field_error
from tests.integration.api.test_store_customers import key_for, member_for
from tests.integration.projections.helpers import dump

ADMIN_ACTOR = "platform_admin:bootstrap"
CTX = CommandContext(actor="test:inventory")


def inventory(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/inventory"


def read(api: Api, path: str, position: int, **params: Any) -> Any:
    response = api.get(path, min_position=position, **params)
    assert response.headers["X-Orion-Consistent"] == "true"
    return response.json()


def store_with_products(api: Api, *skus: str, title: str = "Mug") -> dict[str, Any]:
    store = api.create_store()
    for sku in skus:
        api.create_product(store["id"], title=f"{title} {sku}", variants=[variant(sku)])
    return store


def receive(api: Api, store_id: str, sku: str, quantity: int, **extra: Any) -> dict[str, Any]:
    body = {"sku": sku, "quantity": quantity, **extra}
    done: dict[str, Any] = api.post(f"{inventory(store_id)}/receive", body, expect=200).json()
    return done


def reserve(
    orion: Orion,
    store_id: str,
    sku: str,
    quantity: int,
    *,
    order_id: UUID | None = None,
    expires_in: timedelta | None = None,
) -> int:
    """A reservation at the default location, as checkout makes one; returns its position."""
    reservation = order_id or uuid4()

    def decide(at: Any) -> Decision:
        location = orion.inventory.location_ids(UUID(store_id))[0]
        item = orion.inventory.item(UUID(store_id), location, sku)
        assert item is not None
        item.reserve(
            reservation_id=reservation,
            quantity=quantity,
            order_id=order_id,
            expires_at=at + expires_in if expires_in is not None else None,
            at=at,
        )
        return Decision(item)

    ctx = CommandContext(actor="system:test").for_store(UUID(store_id))
    return orion.platform.execute(ctx, "Reserve", decide).position


def test_movements_show_in_levels_and_ledger_with_their_actor(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "MUG-BLUE", "MUG/RED")
    url = inventory(store["id"])
    received = receive(api, store["id"], "mug-blue", 10, reference="PO-1")  # any case
    assert received["version"] == 2  # created, received
    api.post(
        f"{url}/adjust",
        {"sku": "MUG-BLUE", "delta": -2, "reason": "damage", "note": "dropped"},
        expect=200,
    )
    counted = api.post(f"{url}/count", {"sku": "MUG-BLUE", "counted": 5}, expect=200).json()
    receive(api, store["id"], "MUG/RED", 3)
    threshold = api.client.put(
        f"{url}/items/MUG%2FRED/threshold", json={"low_stock_threshold": 4}, headers=api.headers
    )
    assert threshold.status_code == 200, threshold.text
    position = threshold.json()["position"]

    levels = read(api, url, position)
    assert levels["next_cursor"] is None
    by_sku = {row["sku"]: row for row in levels["items"]}
    assert list(by_sku) == ["MUG-BLUE", "MUG/RED"]
    blue = by_sku["MUG-BLUE"]
    assert (blue["on_hand"], blue["reserved"], blue["available"]) == (5, 0, 5)
    assert blue["title"] == "Mug MUG-BLUE" and blue["product_id"]
    assert blue["location_code"] == "main" and blue["is_low"] is False
    assert blue["stock_item_id"] == received["id"] == counted["id"]
    red = by_sku["MUG/RED"]
    assert (red["on_hand"], red["low_stock_threshold"], red["is_low"]) == (3, 4, True)

    ledger = read(api, f"{url}/items/MUG-BLUE/ledger", position)
    assert ledger["sku"] == "MUG-BLUE"
    moves = [
        (e["kind"], e["reason"], e["on_hand_delta"], e["on_hand_after"]) for e in ledger["items"]
    ]
    assert moves == [
        ("adjusted", "count", -3, 5),
        ("adjusted", "damage", -2, 8),
        ("received", "received", 10, 10),
    ]
    assert {e["actor"] for e in ledger["items"]} == {ADMIN_ACTOR}
    assert ledger["items"][1]["note"] == "dropped"
    assert ledger["items"][2]["reference"] == "PO-1"
    assert ledger["items"][0]["position"] > ledger["items"][1]["position"]
    first = read(api, f"{url}/items/MUG-BLUE/ledger", position, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = read(api, f"{url}/items/MUG-BLUE/ledger", position, limit=2, cursor=first["next_cursor"])
    assert [e["kind"] for e in rest["items"]] == ["received"] and rest["next_cursor"] is None

    detail = api.get(f"{url}/items/mug%2Fred").json()  # a slash in a SKU is sent as %2F
    assert detail["sku"] == "MUG/RED" and detail["title"] == "Mug MUG/RED"
    assert (detail["on_hand"], detail["available"]) == (3, 3)
    assert [p["location_code"] for p in detail["locations"]] == ["main"]
    assert detail["locations"][0]["low_stock_threshold"] == 4

    # Search by part of the SKU or by words of the title.
    assert [r["sku"] for r in read(api, url, position, q="red")["items"]] == ["MUG/RED"]
    assert [r["sku"] for r in read(api, url, position, q="blue MUG")["items"]] == ["MUG-BLUE"]
    assert [r["sku"] for r in read(api, url, position, sku="mug/red")["items"]] == ["MUG/RED"]
    assert read(api, url, position, q="teapot")["items"] == []


def test_low_and_out_of_stock_filters_and_pages(api: Api) -> None:
    store = store_with_products(api, "A-1", "B-1", "C-1")
    url = inventory(store["id"])
    receive(api, store["id"], "A-1", 10)
    receive(api, store["id"], "B-1", 2)
    receive(api, store["id"], "C-1", 1)
    api.client.put(
        f"{url}/items/A-1/threshold", json={"low_stock_threshold": 2}, headers=api.headers
    )
    api.client.put(
        f"{url}/items/B-1/threshold", json={"low_stock_threshold": 5}, headers=api.headers
    )
    done = api.post(f"{url}/count", {"sku": "C-1", "counted": 0, "note": "gone"}, expect=200)
    position = done.json()["position"]

    assert [r["sku"] for r in read(api, url, position, low="true")["items"]] == ["B-1", "C-1"]
    out = read(api, url, position, out_of_stock="true")["items"]
    assert [(r["sku"], r["available"]) for r in out] == [("C-1", 0)]
    seen, cursor = [], None
    while True:
        page = read(api, url, position, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [r["sku"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["A-1", "B-1", "C-1"]


def test_two_locations_hold_their_own_stock(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "TEA-1")
    other = store_with_products(api, "TEA-1")
    url = inventory(store["id"])
    # Before any, the store has its implicit default location.
    implicit = api.get(f"{url}/locations").json()["items"]
    assert [(loc["code"], loc["is_default"]) for loc in implicit] == [("main", True)]

    added = api.post(f"{url}/locations", {"code": "Shop-LUX", "name": "Shop"}, expect=201)
    shop = added.json()["location_id"]
    assert api.post(f"{url}/locations", {"code": "shop-lux", "name": "Again"}).status_code == 409
    assert field_error(api.post(f"{url}/locations", {"code": "no way", "name": "X"}))[0] == "code"
    main = implicit[0]["id"]
    receive(api, store["id"], "TEA-1", 4)
    last = receive(api, store["id"], "TEA-1", 6, location_id=shop)

    locations = read(api, f"{url}/locations", last["position"])["items"]
    assert [(loc["id"], loc["code"], loc["is_default"]) for loc in locations] == [
        (main, "main", True),
        (shop, "shop-lux", False),
    ]
    levels = read(api, url, last["position"])["items"]
    assert {(r["location_code"], r["on_hand"]) for r in levels} == {("main", 4), ("shop-lux", 6)}
    at_shop = read(api, url, last["position"], location_id=shop)["items"]
    assert [(r["location_id"], r["on_hand"]) for r in at_shop] == [(shop, 6)]
    detail = api.get(f"{url}/items/TEA-1").json()
    assert detail["on_hand"] == 10
    assert [(p["location_code"], p["on_hand"]) for p in detail["locations"]] == [
        ("main", 4),
        ("shop-lux", 6),
    ]
    shop_ledger = read(api, f"{url}/items/TEA-1/ledger", last["position"], location_id=shop)
    assert [(e["kind"], e["on_hand_after"]) for e in shop_ledger["items"]] == [("received", 6)]

    made = api.post(f"{url}/locations/{shop}/default", expect=200).json()
    locations = read(api, f"{url}/locations", made["position"])["items"]
    assert [(loc["code"], loc["is_default"]) for loc in locations] == [
        ("shop-lux", True),
        ("main", False),
    ]
    # Without a location, stock now goes to the new default.
    receive(api, store["id"], "TEA-1", 1)
    assert [p["on_hand"] for p in api.get(f"{url}/items/TEA-1").json()["locations"]] == [7, 4]

    # Another store's location, or none at all: 404, and nothing written.
    head = orion.platform.head()
    for missing in (shop, str(uuid4())):
        body = {"sku": "TEA-1", "quantity": 1, "location_id": missing}
        answer = api.post(f"{inventory(other['id'])}/receive", body, expect=404).json()
        assert answer["location_id"] == missing
        api.post(f"{inventory(other['id'])}/locations/{missing}/default", expect=404)
    assert orion.platform.head() == head


def test_reserved_stock_cannot_be_taken_out_and_shows_in_the_ledger(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "LAMP-1")
    url = inventory(store["id"])
    receive(api, store["id"], "LAMP-1", 10)
    order_id = uuid4()
    reserve(orion, store["id"], "LAMP-1", 6, order_id=order_id)

    head = orion.platform.head()
    refused = api.post(
        f"{url}/adjust", {"sku": "LAMP-1", "delta": -5, "reason": "loss"}, expect=409
    ).json()
    assert refused["available"] == 4 and refused["sku"] == "LAMP-1"
    assert "only 4 can be taken out" in refused["detail"]
    assert api.post(f"{url}/count", {"sku": "LAMP-1", "counted": 5}).status_code == 409
    assert orion.platform.head() == head
    api.post(f"{url}/adjust", {"sku": "LAMP-1", "delta": -3, "reason": "loss"}, expect=200)

    # A checkout hold that has already expired: neither the item nor the levels count it,
    # though the log has not recorded its release yet.
    hold_position = reserve(orion, store["id"], "LAMP-1", 1, expires_in=-timedelta(minutes=1))
    level = read(api, url, hold_position)["items"][0]
    assert (level["on_hand"], level["reserved"], level["available"]) == (7, 6, 1)
    detail = api.get(f"{url}/items/LAMP-1").json()
    assert (detail["on_hand"], detail["reserved"], detail["available"]) == (7, 6, 1)

    location = orion.inventory.location_ids(UUID(store["id"]))[0]
    released = orion.inventory.release_expired_holds(
        CommandContext(actor="system:holds"), UUID(store["id"]), location, "LAMP-1"
    )
    assert released is not None
    level = read(api, url, released.position)["items"][0]
    assert (level["reserved"], level["available"]) == (6, 1)
    ledger = read(api, f"{url}/items/LAMP-1/ledger", released.position)["items"]
    assert [(e["kind"], e["reason"], e["actor"]) for e in ledger[:3]] == [
        ("released", "expired", "system:holds"),
        ("reserved", "hold", "system:test"),
        ("adjusted", "loss", ADMIN_ACTOR),
    ]
    order_move = ledger[3]
    assert (order_move["kind"], order_move["order_id"], order_move["reserved_after"]) == (
        "reserved",
        str(order_id),
        6,
    )
    assert ledger[1]["expires_at"] is not None and ledger[0]["reserved_delta"] == -1


def test_expired_holds_count_for_nothing_in_levels_filters_and_the_dashboard(
    api: Api, orion: Orion
) -> None:
    """Issue 11: a hold of 4 of 10 expired, then another shopper bought all 10: the levels
    read reserved 14, and the low and out-of-stock filters and the dashboard went wrong with
    them, until the log recorded the release. Expired holds stop counting at once."""
    # The figures must come from the query, not from a release the in-process sweep may log
    # at the turn of a minute while the test runs.
    orion.scheduler.stop()
    store = store_with_products(api, "BOUGHT-1", "HELD-1", "LIVE-1")
    store_id, url = store["id"], inventory(store["id"])
    for sku, quantity, threshold in (("BOUGHT-1", 10, 0), ("HELD-1", 10, 3), ("LIVE-1", 5, 1)):
        receive(api, store_id, sku, quantity)
        orion.inventory.set_threshold(CTX, UUID(store_id), sku=sku, threshold=threshold)
    expired = -timedelta(minutes=1)
    reserve(orion, store_id, "BOUGHT-1", 4, expires_in=expired)
    reserve(orion, store_id, "BOUGHT-1", 10, order_id=uuid4())  # the expired hold is no bar
    reserve(orion, store_id, "HELD-1", 8, expires_in=expired)
    position = reserve(orion, store_id, "LIVE-1", 5, expires_in=timedelta(hours=1))

    levels = {r["sku"]: r for r in read(api, url, position)["items"]}
    figures = {
        sku: (r["on_hand"], r["reserved"], r["available"], r["is_low"]) for sku, r in levels.items()
    }
    assert figures == {
        "BOUGHT-1": (10, 10, 0, True),
        "HELD-1": (10, 0, 10, False),
        "LIVE-1": (5, 5, 0, True),  # a hold that has not expired still counts
    }
    for filters in ({"low": "true"}, {"out_of_stock": "true"}):
        found = [r["sku"] for r in read(api, url, position, **filters)["items"]]
        assert found == ["BOUGHT-1", "LIVE-1"], filters
    dashboard = read(api, f"/api/v1/stores/{store_id}/dashboard", position)
    assert [(i["sku"], i["reserved"], i["available"]) for i in dashboard["low_stock"]] == [
        ("BOUGHT-1", 10, 0),
        ("LIVE-1", 5, 0),
    ]
    # Each agrees with its stock item, exact at this instant.
    for sku, row in levels.items():
        detail = api.get(f"{url}/items/{sku}").json()
        assert (detail["reserved"], detail["available"]) == (row["reserved"], row["available"])

    # The sweep's lookup: the two items with expired holds, whatever the store.
    now = orion.platform.clock.now()
    found = queries.list_expired_holds(orion.read, now)
    mine = {sku for s, _, sku in found if s == UUID(store_id)}
    assert mine == {"BOUGHT-1", "HELD-1"}
    # Once the log records the releases, the levels read the same, and the lookup is done.
    location = orion.inventory.location_ids(UUID(store_id))[0]
    for sku in sorted(mine):
        released = orion.inventory.release_expired_holds(CTX, UUID(store_id), location, sku)
        assert released is not None
        position = released.position
    again = {r["sku"]: r for r in read(api, url, position)["items"]}
    assert {
        sku: (r["on_hand"], r["reserved"], r["available"], r["is_low"]) for sku, r in again.items()
    } == figures
    after = queries.list_expired_holds(orion.read, orion.platform.clock.now())
    assert not [f for f in after if f[0] == UUID(store_id)]


def test_unknown_skus_are_404s_naming_them(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "KNOWN-1")
    elsewhere = store_with_products(api, "THEIRS-1")
    receive(api, elsewhere["id"], "THEIRS-1", 5)
    url = inventory(store["id"])
    head = orion.platform.head()
    for sku in ("NOPE-1", "THEIRS-1"):
        for path, body in (
            ("receive", {"sku": sku, "quantity": 1}),
            ("adjust", {"sku": sku, "delta": 1, "reason": "found"}),
            ("count", {"sku": sku, "counted": 1}),
        ):
            answer = api.post(f"{url}/{path}", body, expect=404).json()
            assert answer["sku"] == sku and sku in answer["detail"]
        assert api.get(f"{url}/items/{sku}", expect=404).json()["sku"] == sku
        assert api.get(f"{url}/items/{sku}/ledger", expect=404).json()["sku"] == sku
        put = api.client.put(
            f"{url}/items/{sku}/threshold", json={"low_stock_threshold": 1}, headers=api.headers
        )
        assert put.status_code == 404 and put.json()["sku"] == sku
    assert orion.platform.head() == head
    # A known SKU that never moved: zero everywhere, an empty ledger.
    detail = api.get(f"{url}/items/KNOWN-1").json()
    assert (detail["on_hand"], detail["available"]) == (0, 0)
    assert detail["locations"][0]["stock_item_id"] is None
    assert api.get(f"{url}/items/KNOWN-1/ledger").json()["items"] == []


def test_bad_input_names_the_field_and_writes_nothing(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "PEN-1")
    url = inventory(store["id"])
    receive(api, store["id"], "PEN-1", 3)
    head = orion.platform.head()
    for path, body, field in (
        ("receive", {"sku": "PEN-1", "quantity": 0}, "quantity"),
        ("receive", {"sku": "PEN-1", "quantity": "1"}, "quantity"),
        ("receive", {"sku": "PEN-1", "quantity": True}, "quantity"),
        ("receive", {"sku": "PEN-1", "quantity": 1_000_001}, "quantity"),
        ("receive", {"quantity": 1}, "sku"),
        ("receive", {"sku": "x" * 65, "quantity": 1}, "sku"),
        ("receive", {"sku": "PEN-1", "quantity": 1, "location_id": "nope"}, "location_id"),
        ("receive", {"sku": "PEN-1", "quantity": 1, "colour": "red"}, "colour"),
        ("receive", {"sku": "PEN-1", "quantity": 1, "reference": "r" * 201}, "reference"),
        ("adjust", {"sku": "PEN-1", "delta": 1, "reason": "theft"}, "reason"),
        ("adjust", {"sku": "PEN-1", "delta": 0, "reason": "found"}, "delta"),
        ("adjust", {"sku": "PEN-1", "delta": 1}, "reason"),
        ("count", {"sku": "PEN-1", "counted": -1}, "counted"),
        ("count", {"sku": "PEN-1", "counted": 1.5}, "counted"),
        ("locations", {"code": "", "name": "X"}, "code"),
        ("locations", {"code": "x", "name": "   "}, "name"),
    ):
        response = api.post(f"{url}/{path}", body)
        assert field_error(response)[0] == field, (path, body, response.text)
    for body, field in (
        ({"low_stock_threshold": -1}, "low_stock_threshold"),
        ({}, "low_stock_threshold"),
    ):
        response = api.client.put(f"{url}/items/PEN-1/threshold", json=body, headers=api.headers)
        assert field_error(response)[0] == field
    assert field_error(api.client.post(f"{url}/receive", content=b"{", headers=api.headers))
    assert orion.platform.head() == head

    for params, field in (
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"location_id": "nope"}, "location_id"),
        ({"low": "perhaps"}, "low"),
    ):
        assert field_error(api.get(url, expect=None, **params))[0] == field
    ledger = f"{url}/items/PEN-1/ledger"
    assert field_error(api.get(ledger, expect=None, cursor="garbage!"))[0] == "cursor"
    assert field_error(api.get(f"{url}/items/{'x' * 65}", expect=None))[0] == "sku"


@pytest.mark.parametrize("how", ["api_key", "member"])
def test_viewers_read_and_staff_write(client: TestClient, orion: Orion, api: Api, how: str) -> None:
    store = store_with_products(api, "CUP-1")
    other = store_with_products(api, "CUP-1")
    url = inventory(store["id"])
    receive(api, store["id"], "CUP-1", 2)
    viewer = (key_for if how == "api_key" else member_for)(orion, store["id"], "viewer")
    fresh = {"min_position": orion.platform.head()}
    for path in ("", "/items/CUP-1", "/items/CUP-1/ledger", "/locations"):
        response = client.get(f"{url}{path}", params=fresh, headers=viewer)
        assert response.status_code == 200, (path, response.text)
    assert client.get(url, params=fresh, headers=viewer).json()["items"][0]["on_hand"] == 2

    head = orion.platform.head()
    for path, body in (
        ("/receive", {"sku": "CUP-1", "quantity": 1}),
        ("/adjust", {"sku": "CUP-1", "delta": 1, "reason": "found"}),
        ("/count", {"sku": "CUP-1", "counted": 1}),
        ("/locations", {"code": "back", "name": "Back room"}),
        (f"/locations/{uuid4()}/default", None),
    ):
        refused = client.post(f"{url}{path}", json=body, headers=viewer)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["permission"] == "inventory:write"
    put = client.put(
        f"{url}/items/CUP-1/threshold", json={"low_stock_threshold": 1}, headers=viewer
    )
    assert put.status_code == 403
    assert orion.platform.head() == head
    # Another store: not found, whatever the role would allow.
    for path in ("", "/items/CUP-1", "/locations"):
        assert client.get(f"{inventory(other['id'])}{path}", headers=viewer).status_code == 404
    assert (
        client.post(
            f"{inventory(other['id'])}/receive",
            json={"sku": "CUP-1", "quantity": 1},
            headers=viewer,
        ).status_code
        == 404
    )

    staff = (key_for if how == "api_key" else member_for)(orion, store["id"], "staff")
    done = client.post(f"{url}/receive", json={"sku": "CUP-1", "quantity": 1}, headers=staff)
    assert done.status_code == 200, done.text
    ledger = read(api, f"{url}/items/CUP-1/ledger", done.json()["position"])["items"]
    assert ledger[0]["actor"].startswith("api_key:" if how == "api_key" else "member:")


def test_concurrent_receives_all_count(api: Api, client: TestClient, orion: Orion) -> None:
    """Ten receives of one unit race on one (new) stock item: losers re-decide, none is lost."""
    store = store_with_products(api, "HOT-1")
    url = f"{inventory(store['id'])}/receive"
    responses = all_at_once(
        10, lambda _: client.post(url, json={"sku": "HOT-1", "quantity": 1}, headers=api.headers)
    )
    statuses = [getattr(r, "status_code", repr(r)) for r in responses]
    assert statuses == [200] * 10, [getattr(r, "text", r) for r in responses]
    position = max(r.json()["position"] for r in responses)  # type: ignore[union-attr]
    level = read(api, inventory(store["id"]), position)["items"][0]
    assert level["on_hand"] == 10
    ledger = read(api, f"{inventory(store['id'])}/items/HOT-1/ledger", position)["items"]
    assert [e["on_hand_after"] for e in ledger] == list(range(10, 0, -1))
    location = orion.inventory.location_ids(UUID(store["id"]))[0]
    item = orion.platform.find(StockItem, stock_item_id(UUID(store["id"]), location, "HOT-1"))
    assert item is not None and item.on_hand == 10 and item.version == 11


def test_the_read_model_matches_the_stock_items_and_rebuilds_the_same(orion: Orion) -> None:
    """Every kind of movement, then: levels equal the items, each ledger adds up to its item's
    on hand, and a rebuild in small batches (saves split across them) gives the same rows."""
    ctx = CommandContext(actor="test:rebuild")
    store = orion.stores.register(
        ctx, code=random_code(), name="Rebuild", country="LU", currency="EUR", locale="en"
    )
    store_id = store.id
    skus = ["RB-1", "RB-2", "rb/3"]
    product = orion.catalog.create_product(
        ctx, store_id, title="Rebuilt", variants=[variant(s) for s in skus]
    )
    _, back = orion.inventory.add_location(ctx, store_id, code="back", name="Back room")
    for n, sku in enumerate(skus):
        orion.inventory.receive(ctx, store_id, sku=sku, quantity=10 + n, reference=f"PO-{n}")
        orion.inventory.receive(ctx, store_id, sku=sku, quantity=2, location_id=back)
        orion.inventory.adjust(ctx, store_id, sku=sku, delta=-1, reason="damage")
        orion.inventory.set_threshold(ctx, store_id, sku=sku, threshold=n * 5)
    order = uuid4()
    reserve(orion, str(store_id), "RB-1", 4, order_id=order)
    reserve(orion, str(store_id), "RB-2", 2, expires_in=timedelta(hours=1))
    location = orion.inventory.location_ids(store_id)[0]

    def ship_and_return(at: Any) -> Decision:
        item = orion.inventory.item(store_id, location, "RB-1")
        assert item is not None
        item.commit(reservation_id=order, quantity=3, at=at)
        item.release(reservation_id=order, reason="cancelled", at=at)
        item.return_to_stock(quantity=1, order_id=order, reason="return", at=at)
        return Decision(item)

    orion.platform.execute(ctx.for_store(store_id), "ShipSome", ship_and_return)
    orion.inventory.make_default(ctx, store_id, back)
    orion.catalog.edit_product(
        ctx, store_id, product.id, title="Rebuilt again", variants=[variant("RB-1")]
    )
    orion.projections.run_until_caught_up()

    levels, _ = queries.list_levels(orion.read, store_id, now=orion.platform.clock.now(), limit=200)
    assert len(levels) == 6
    for row in levels:
        item = orion.inventory.item(store_id, row["location_id"], row["sku"])
        assert item is not None and row["version"] == item.version
        assert (row["on_hand"], row["low_stock_threshold"]) == (
            item.on_hand,
            item.low_stock_threshold,
        )
        assert row["reserved"] == sum(r["quantity"] for r in item.reservations.values())
        ledger, _ = queries.ledger(
            orion.read, store_id, row["sku"], location_id=row["location_id"], limit=200
        )
        assert sum(e["on_hand_delta"] for e in ledger) == item.on_hand
        assert ledger[0]["on_hand_after"] == item.on_hand
        assert ledger[0]["reserved_after"] == row["reserved"]
    # Only RB-1 is still the product's: the others lost their title with their variant.
    titled = {r["sku"]: r["title"] for r in levels}
    assert titled == {"RB-1": "Rebuilt again", "RB-2": None, "rb/3": None}
    rb1 = queries.ledger(orion.read, store_id, "RB-1", location_id=location)[0]
    assert [(e["kind"], e["order_id"]) for e in rb1[:3]] == [
        ("returned", order),
        ("released", order),
        ("committed", order),
    ]
    defaults = {r["code"]: r["is_default"] for r in queries.list_locations(orion.read, store_id)}
    assert defaults == {"main": False, "back": True}

    live = dump(orion, "inventory")
    orion.projections.rebuild_batch_size = 3
    orion.projections.request_rebuild("inventory")
    while orion.projections.status("inventory").state == "rebuilding":
        orion.projections.run_once(["inventory"])
    orion.read.registry.set_live("inventory", orion.projections.status("inventory").generation)
    assert orion.projections.status("inventory").generation == 2
    assert dump(orion, "inventory") == live


def test_retried_movements_and_locations_apply_once(api: Api, orion: Orion) -> None:
    store = store_with_products(api, "KEY-1")
    url = inventory(store["id"])
    body = {"sku": "KEY-1", "quantity": 3}
    first = api.post(f"{url}/receive", body, expect=200, **header("Idempotency-Key", "r-1"))
    again = api.post(f"{url}/receive", body, expect=200, **header("Idempotency-Key", "r-1"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["version"] == first.json()["version"]
    other = api.post(f"{url}/receive", {**body, "quantity": 4}, **header("Idempotency-Key", "r-1"))
    assert field_error(other)[0] == "Idempotency-Key"
    assert api.get(f"{url}/items/KEY-1").json()["on_hand"] == 3

    made = {"code": "depot", "name": "Depot"}
    added = api.post(f"{url}/locations", made, expect=201, **header("Idempotency-Key", "l-1"))
    replayed = api.post(f"{url}/locations", made, expect=201, **header("Idempotency-Key", "l-1"))
    assert replayed.json()["location_id"] == added.json()["location_id"]
    listed = read(api, f"{url}/locations", replayed.json()["position"])["items"]
    assert [loc["code"] for loc in listed] == ["main", "depot"]


def test_a_sku_with_a_slash_is_one_segment(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """``/items/BOX/ledger`` is the ledger of ``BOX``; ``BOX/ledger`` is sent as one segment,
    its slash percent-encoded, in the inventory and in the cart."""
    api = Api(client, admin_headers)
    store = api.create_store()
    sid = str(store["id"])
    variants = [
        {"sku": s, "price": {"amount": 100, "currency": "EUR"}, "attributes": {}}
        for s in ("BOX", "BOX/ledger")
    ]
    product = api.create_product(sid, variants=variants).json()
    api.publish(sid, product["id"])
    api.post(f"/api/v1/stores/{sid}/inventory/receive", {"sku": "BOX", "quantity": 3}, 200)
    done = api.post(
        f"/api/v1/stores/{sid}/inventory/receive", {"sku": "BOX/ledger", "quantity": 7}, 200
    ).json()
    items = f"/api/v1/stores/{sid}/inventory/items"
    slashed = quote("BOX/ledger", safe="")

    detail = api.get(f"{items}/{slashed}").json()
    assert (detail["sku"], detail["on_hand"]) == ("BOX/ledger", 7)
    assert api.get(f"{items}/BOX").json()["on_hand"] == 3
    ledger = api.get(f"{items}/BOX/ledger", min_position=done["position"]).json()
    assert ledger["sku"] == "BOX" and [e["on_hand_after"] for e in ledger["items"]] == [3]
    ledger = api.get(f"{items}/{slashed}/ledger", min_position=done["position"]).json()
    assert ledger["sku"] == "BOX/ledger" and [e["on_hand_after"] for e in ledger["items"]] == [7]
    changed = client.put(
        f"{items}/{slashed}/threshold", json={"low_stock_threshold": 2}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert api.get(f"{items}/{slashed}").json()["locations"][0]["low_stock_threshold"] == 2
    # A raw slash splits the SKU: not found, never another SKU's answer.
    assert api.get(f"{items}/BOX/ledger/x", expect=404).status_code == 404

    cart = f"/api/v1/shop/{store['code']}/cart"
    added = client.post(f"{cart}/lines", json={"sku": "BOX/ledger", "quantity": 1})
    assert added.status_code == 201, added.text
    token = {"X-Cart-Token": added.headers["X-Cart-Token"]}
    changed = client.patch(f"{cart}/lines/{slashed}", json={"quantity": 2}, headers=token)
    assert changed.status_code == 200, changed.text
    lines = client.get(cart, headers=token).json()["lines"]
    assert [(line["sku"], line["quantity"]) for line in lines] == [("BOX/ledger", 2)]
    removed = client.delete(f"{cart}/lines/{slashed}", headers=token)
    assert removed.status_code == 200, removed.text
    assert client.get(cart, headers=token).json()["lines"] == []
