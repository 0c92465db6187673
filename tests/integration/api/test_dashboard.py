"""The store dashboard through HTTP: after a realistic mix of orders over several days (an
injected clock moves between them), every figure equals the sums recomputed here, directly
from the events in the log, and stays equal after the orders and dashboard read models are
rebuilt from the log."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.orders.aggregates import Order
from domain.stores.aggregates import Store
from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from projections.orders.queries import average
from tests.builders import Api
from tests.integration.api.test_order_desk import CTX, buy, open_shop, total_of
from tests.integration.api.test_shop_account import field_error, random_email, register
from tests.integration.api.test_staff_auth import MovableClock


@pytest.fixture
def clocked(
    settings: Settings, admin_headers: dict[str, str]
) -> Iterator[tuple[Orion, Api, MovableClock]]:
    clock = MovableClock()
    # The tests move the clock by hours and days: start every run at the same hour, so that
    # "five hours later" is the same day whenever the suite runs (it was not after 19:00 UTC).
    clock.at = clock.at.replace(hour=8, minute=0, second=0, microsecond=0)
    instance = bootstrap(settings, clock=clock)
    try:
        with TestClient(create_app(instance, run_projections=True)) as client:
            yield instance, Api(client, admin_headers), clock
    finally:
        instance.close()


def expected_from_log(orion: Orion, store_id: UUID, start: date, end: date) -> dict[str, Any]:
    """The dashboard's figures for the orders placed from ``start`` to ``end``, recomputed
    from the events alone (definitions: the docstring of ``projections.orders.projector``)."""
    notifications = orion.app.recorder.select_notifications(start=1, limit=1_000_000)
    events = [orion.app.mapper.to_domain_event(n) for n in notifications]
    currency = next(
        e.currency
        for e in events
        if isinstance(e, Store.Registered) and e.originator_id == store_id
    )
    orders: dict[UUID, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, Order.Placed):
            if e.store_id != store_id:
                continue
            orders[e.originator_id] = {
                "day": e.timestamp.astimezone(UTC).date(),
                "total": e.totals["total"],
                "lines": {line["sku"]: dict(line) for line in e.lines},
                "refunded_units": defaultdict(int),
                "refunds": 0,
                "cancelled_units": {},
                "cancelled": False,
                "status": e.status,
            }
            continue
        order = orders.get(getattr(e, "originator_id", None))  # type: ignore[arg-type]
        if order is None:
            continue
        if isinstance(e, Order.Cancelled):
            order["cancelled"] = True
            order["cancelled_units"] = {
                sku: line["quantity"] - order["refunded_units"][sku]
                for sku, line in order["lines"].items()
            }
            order["status"] = "cancelled"
        elif isinstance(e, Order.Refunded):
            order["refunds"] += e.amount
            for line in e.lines:
                order["refunded_units"][line["sku"]] += line["quantity"]
            order["status"] = e.status
        elif isinstance(e, Order.ProcessingStarted):
            order["status"] = "processing"
        elif isinstance(e, Order.Delivered):
            order["status"] = "delivered"
        elif hasattr(e, "status"):
            order["status"] = e.status
    days: dict[date, dict[str, int]] = defaultdict(
        lambda: {"orders": 0, "cancelled": 0, "revenue": 0}
    )
    products: dict[str, dict[str, Any]] = {}
    statuses: dict[str, int] = defaultdict(int)
    for order in orders.values():
        if not start <= order["day"] <= end:
            continue
        day = days[order["day"]]
        day["orders"] += 1
        day["cancelled"] += order["cancelled"]
        day["revenue"] += 0 if order["cancelled"] else order["total"] - order["refunds"]
        statuses[order["status"]] += 1
        for sku, line in order["lines"].items():
            units = (
                line["quantity"]
                - order["refunded_units"][sku]
                - order["cancelled_units"].get(sku, 0)
            )
            sold = products.setdefault(
                sku,
                {"sku": sku, "product_id": str(line["product_id"]), "title": line["title"]}
                | {"quantity": 0, "revenue": 0},
            )
            sold["quantity"] += units
            sold["revenue"] += units * line["unit_price"]
    return {
        "currency": currency,
        "days": days,
        "orders_by_status": dict(sorted(statuses.items())),
        "top_products": sorted(
            (p for p in products.values() if p["revenue"] > 0),
            key=lambda p: (-p["revenue"], p["sku"]),
        )[:10],
    }


def check(api: Api, orion: Orion, store_id: UUID, start: date, end: date) -> dict[str, Any]:
    params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    response = api.get(
        f"/api/v1/stores/{store_id}/dashboard", min_position=orion.platform.head(), **params
    )
    assert response.headers["X-Orion-Consistent"] == "true"
    got: dict[str, Any] = response.json()
    want = expected_from_log(orion, store_id, start, end)
    span = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    want_days = [
        {"date": d.isoformat(), **want["days"].get(d, {"orders": 0, "cancelled": 0, "revenue": 0})}
        for d in span
    ]
    assert got["days"] == want_days
    revenue = sum(d["revenue"] for d in want_days)
    orders = sum(d["orders"] for d in want_days)
    cancelled = sum(d["cancelled"] for d in want_days)
    assert (got["revenue"], got["orders"], got["cancelled"]) == (revenue, orders, cancelled)
    assert got["average_order_value"] == average(revenue, orders - cancelled)
    assert got["orders_by_status"] == want["orders_by_status"]
    assert got["top_products"] == want["top_products"]
    assert got["currency"] == want["currency"] == "EUR"
    assert (got["from"], got["to"]) == (start.isoformat(), end.isoformat())
    return got


def rebuild(orion: Orion, names: tuple[str, ...]) -> None:
    """Rebuild from the log (the in-process engine thread does the work) and swap in."""
    generations = {name: orion.projections.request_rebuild(name) for name in names}
    orion.projections.wake()
    deadline = time.monotonic() + 120
    while any(orion.projections.status(n).generation != g for n, g in generations.items()):
        assert time.monotonic() < deadline, "the rebuild did not finish"
        time.sleep(0.05)
    for name in names:
        orion.read.registry.set_live(name, orion.projections.status(name).generation)


def test_dashboard_equals_the_sums_of_the_events_before_and_after_a_rebuild(
    clocked: tuple[Orion, Api, MovableClock],
) -> None:
    orion, api, clock = clocked
    shop, other = open_shop(orion, stock=200), open_shop(orion, stock=200)
    a, b, c = shop.skus
    orion.inventory.set_threshold(CTX, shop.store_id, sku=c, threshold=195)
    customer = register(api.client, shop.code, random_email("ada"))
    ada = UUID(customer["account_id"])
    first_day = clock.now().astimezone(UTC).date()

    # Day 1: four orders; one paid, processed and shipped in two parts, one cancelled unpaid.
    shipped = buy(orion, shop, {a: 3, b: 1}, customer_id=ada)
    unpaid = buy(orion, shop, {c: 2})
    refunded = buy(orion, shop, {b: 2, c: 1})
    cancelled_paid = buy(orion, shop, {a: 1})
    buy(orion, other, {other.skus[0]: 7})  # another store's: counts nowhere here
    orion.orders.record_payment(
        CTX, shop.store_id, shipped.order_id, amount=total_of(shop, {a: 3, b: 1})
    )
    orion.orders.start_processing(CTX, shop.store_id, shipped.order_id)
    orion.orders.ship(
        CTX, shop.store_id, shipped.order_id, carrier="Post", lines=[{"sku": a, "quantity": 2}]
    )
    clock.advance(hours=5)
    orion.orders.cancel(CTX, shop.store_id, unpaid.order_id, reason="no payment")

    # Day 2: partial refunds, a cancellation after a partial refund, and new orders.
    clock.advance(days=1)
    orion.orders.ship(CTX, shop.store_id, shipped.order_id, carrier="Post")
    orion.orders.record_payment(
        CTX, shop.store_id, refunded.order_id, amount=total_of(shop, {b: 2, c: 1})
    )
    orion.orders.refund(
        CTX, shop.store_id, refunded.order_id, lines=[{"sku": b, "quantity": 1, "restock": True}]
    )
    orion.orders.record_payment(
        CTX, shop.store_id, cancelled_paid.order_id, amount=total_of(shop, {a: 1})
    )
    orion.orders.refund(
        CTX, shop.store_id, cancelled_paid.order_id, lines=[{"sku": a, "quantity": 1}], amount=100
    )
    second = buy(orion, shop, {b: 4}, customer_id=ada)
    cod = buy(orion, shop, {a: 1, c: 3}, payment_method="cash_on_delivery")

    # Day 4 (day 3 has nothing): delivery, a full refund of day 2's order of less than it
    # was worth, a shipment, a note and one more order.
    clock.advance(days=2)
    orion.orders.deliver(CTX, shop.store_id, shipped.order_id)
    orion.orders.record_payment(CTX, shop.store_id, second.order_id, amount=total_of(shop, {b: 4}))
    orion.orders.refund(
        CTX,
        shop.store_id,
        second.order_id,
        lines=[{"sku": b, "quantity": 4, "restock": False}],
        amount=1000,
    )
    orion.orders.ship(CTX, shop.store_id, cod.order_id, carrier="Van")
    orion.orders.add_note(CTX, shop.store_id, cod.order_id, text="Left at the door")
    buy(orion, shop, {c: 1})

    last_day = clock.now().astimezone(UTC).date()
    start, end = first_day - timedelta(days=1), last_day + timedelta(days=1)
    before = check(api, orion, shop.store_id, start, end)
    # The figures are not trivial: each kind of event moved them.
    assert before["cancelled"] == 1 and before["orders"] == 7
    assert before["orders_by_status"]["cancelled"] == 1
    assert {d["date"] for d in before["days"] if d["orders"]} == {
        first_day.isoformat(),
        (first_day + timedelta(days=1)).isoformat(),
        last_day.isoformat(),
    }
    assert before["top_products"] and before["revenue"] > 0
    assert [item["sku"] for item in before["low_stock"]] == [c]
    # A range that holds only day 2.
    check(api, orion, shop.store_id, first_day + timedelta(days=1), first_day + timedelta(days=1))
    numbers = api.get(
        f"/api/v1/stores/{shop.store_id}/orders", min_position=orion.platform.head()
    ).json()["items"]

    rebuild(orion, ("orders", "dashboard"))
    after = check(api, orion, shop.store_id, start, end)
    assert after == before
    assert api.get(f"/api/v1/stores/{shop.store_id}/orders").json()["items"] == numbers


def test_dashboard_bad_ranges_name_the_field(
    clocked: tuple[Orion, Api, MovableClock],
) -> None:
    orion, api, clock = clocked
    shop = open_shop(orion, prices=(100,))
    url = f"/api/v1/stores/{shop.store_id}/dashboard"
    for params, name in (
        ({"from": "2024-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2024-03-02", "to": "2024-03-01"}, "from"),
        ({"from": "2020-01-01", "to": "2024-01-01"}, "to"),
    ):
        assert field_error(api.get(url, expect=None, **params))[0] == name
    # The default range: the last 30 days, none of them with orders yet.
    empty = api.get(url, min_position=orion.platform.head()).json()
    today = clock.now().astimezone(UTC).date()
    assert len(empty["days"]) == 30 and empty["days"][-1]["date"] == today.isoformat()
    assert empty["revenue"] == empty["orders"] == empty["average_order_value"] == 0
    assert empty["currency"] == "EUR" and empty["top_products"] == []
