"""The audit log and time travel through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from interfaces.bootstrap import Orion
from tests.builders import Api, variant


def test_audit_log_filters_and_metadata(api: Api) -> None:
    a, b = api.create_store(), api.create_store()
    made = api.create_product(a["id"], title="Audited", variants=[variant()]).json()
    published = api.post(
        f"/api/v1/stores/{a['id']}/products/{made['id']}/publish",
        expect=200,
        **{"Idempotency-Key": "publish-1", "X-Correlation-Id": "corr-42"},
    ).json()
    last = api.create_product(b["id"]).json()["position"]
    events = "/api/v1/admin/audit/events"

    mine = api.get(events, store_id=a["id"], min_position=last).json()["items"]
    types = [e["event_type"] for e in mine]
    assert types == [
        "Store.Registered",
        "Product.Created",
        "SkuClaim.Claimed",
        "Product.Published",
        "IdempotencyRecord.Recorded",
    ]
    assert {e["store_id"] for e in mine} == {a["id"]}
    assert all(e["actor"] == "platform_admin:bootstrap" for e in mine)
    publish = next(e for e in mine if e["event_type"] == "Product.Published")
    assert publish["correlation_id"] == "corr-42" and publish["idempotency_key"] == "publish-1"
    # The idempotency record is saved with the product, in the same save, right after it.
    assert publish["position"] == published["position"] - 1

    by_type = api.get(events, type="Published").json()["items"]
    assert [e["aggregate_id"] for e in by_type] == [made["id"]]
    by_aggregate = api.get(events, aggregate_id=made["id"]).json()["items"]
    assert [e["version"] for e in by_aggregate] == [1, 2]
    assert api.get(events, actor="nobody").json()["items"] == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert api.get(events, since=future).json()["items"] == []
    assert len(api.get(events, until=future, store_id=b["id"]).json()["items"]) == 3

    # Cursor pagination walks the whole log, in order, without repeats.
    seen, cursor = [], None
    while True:
        page = api.get(events, limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [e["position"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(set(seen)) and len(seen) >= 8


def test_state_at_version_and_at_time(api: Api, orion: Orion) -> None:
    store = api.create_store()
    made = api.create_product(store["id"], title="First title").json()
    api.patch(
        f"/api/v1/stores/{store['id']}/products/{made['id']}", {"title": "Second title"}, expect=200
    )
    api.publish(store["id"], made["id"])
    path = f"/api/v1/admin/audit/aggregates/{made['id']}"

    history = api.get(f"{path}/events").json()["items"]
    assert [h["event_type"] for h in history] == [
        "Product.Created",
        "Product.Edited",
        "Product.Published",
    ]
    assert history[1]["data"] == {"changes": {"title": "Second title"}}
    assert history[1]["metadata"]["actor"] == "platform_admin:bootstrap"

    v1 = api.get(f"{path}/state", version=1).json()
    assert (v1["title"], v1["status"], v1["version"]) == ("First title", "draft", 1)
    v2 = api.get(f"{path}/state", version=2).json()
    assert (v2["title"], v2["status"]) == ("Second title", "draft")
    now = api.get(f"{path}/state").json()
    assert (now["title"], now["status"], now["version"]) == ("Second title", "published", 3)

    at_edit = history[1]["occurred_at"]
    as_then = api.get(f"{path}/state", at=at_edit).json()
    assert as_then["version"] == 2
    before = datetime.fromisoformat(history[0]["occurred_at"]) - timedelta(seconds=1)
    assert api.get(f"{path}/state", expect=404, at=before.isoformat()).status_code == 404
    assert api.get(f"{path}/state", expect=422, version=9).json()["errors"][0]["field"] == "version"
    assert api.get(f"{path}/state", expect=422, version=0).status_code == 422
    assert api.get(f"{path}/state", expect=422, at="2026-01-01T00:00:00").status_code == 422
