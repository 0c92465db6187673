"""Platform admins run stores through HTTP; every read right after a write sees the write."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Api, random_code

STORES = "/api/v1/admin/stores"


def header(name: str, value: str) -> dict[str, Any]:
    """One request header, for the builders' ``**headers`` (typed for mypy)."""
    return {name: value}


def read(api: Api, path: str, position: int, how: str = "query", **params: Any) -> Any:
    """Read after a write, asking for ``position`` by query parameter or by header."""
    if how == "query":
        response = api.get(path, min_position=position, **params)
    else:
        headers = {**api.headers, "X-Orion-Min-Position": str(position)}
        response = api.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
    assert response.headers["X-Orion-Consistent"] == "true"
    assert response.headers["X-Orion-Position"] == str(position)
    return response.json()


def walk(api: Api, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.get(STORES, **query).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert page["items"], "a page with a next cursor must not be empty"
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("how", ["query", "header"])
def test_store_lifecycle_reads_its_own_writes(api: Api, how: str) -> None:
    code = random_code("Shop")
    created = api.post(
        STORES,
        {
            "code": f"  {code.upper()} ",
            "name": "  Café   du Coin ",
            "country": "lu",
            "currency": "EUR",
            "locale": "fr-LU",
        },
        expect=201,
    )
    answer = created.json()
    url = f"{STORES}/{answer['id']}"
    assert created.headers["Location"] == url
    assert created.headers["ETag"] == '"1"'
    assert answer["version"] == 1 and answer["position"] > 0

    store = read(api, url, answer["position"], how)
    assert store == {
        **store,
        "id": answer["id"],
        "code": code.lower(),
        "name": "Café du Coin",
        "country": "LU",
        "currency": "EUR",
        "locale": "fr_LU",
        "status": "active",
        "suspension_reason": None,
        "version": 1,
    }
    assert store["created_at"] == store["updated_at"]

    patched = api.patch(
        url, {"name": "Chez Nous", "locale": "de"}, expect=200, **header("If-Match", '"1"')
    )
    assert patched.headers["ETag"] == '"2"'
    assert patched.json()["version"] == 2 and patched.json()["position"] > answer["position"]
    store = read(api, url, patched.json()["position"], how)
    assert (store["name"], store["locale"], store["country"], store["version"]) == (
        "Chez Nous",
        "de",
        "LU",
        2,
    )
    assert store["updated_at"] > store["created_at"]

    suspended = api.post(f"{url}/suspend", {"reason": "unpaid invoices"}, expect=200).json()
    assert suspended["version"] == 3
    store = read(api, url, suspended["position"], how)
    assert (store["status"], store["suspension_reason"]) == ("suspended", "unpaid invoices")
    listed = read(api, STORES, suspended["position"], how, status="suspended")["items"]
    assert [s["id"] for s in listed] == [answer["id"]]

    reactivated = api.post(f"{url}/reactivate", None, expect=200, **header("If-Match", "3")).json()
    assert reactivated["version"] == 4
    store = read(api, url, reactivated["position"], how)
    assert (store["status"], store["suspension_reason"], store["version"]) == ("active", None, 4)
    assert read(api, STORES, reactivated["position"], how, status="suspended")["items"] == []


def test_list_pages_through_every_store_once(api: Api) -> None:
    created = [api.create_store(name=f"Store {i:02d}")["id"] for i in range(11)]
    last = api.get(STORES, min_position=api.create_store(name="Store 11")["position"])
    assert last.headers["X-Orion-Consistent"] == "true"
    everything = walk(api, limit=50)
    for limit in (1, 3, 4, 12, 200):
        pages = walk(api, limit=limit)
        assert [s["id"] for s in pages] == [s["id"] for s in everything], limit
    ids = [s["id"] for s in everything]
    assert len(ids) == len(set(ids)) == 12
    assert ids[:11] == created, "stores are listed in the order they were created"


def test_list_filters_by_status_and_text(api: Api) -> None:
    tag = random_code("t")
    bakery = api.create_store(code=f"{tag}-bakery", name="Boulangerie Dupont")
    books = api.create_store(code=f"{tag}-books", name="Librairie Martin")
    cafe = api.create_store(code=f"{tag}-cafe", name="Café Dupont")
    deli = api.create_store(code=f"{tag}-deli", name="ÉPICERIE FINE")
    suspended = api.post(f"{STORES}/{books['id']}/suspend", {"reason": "fraud"}, expect=200).json()
    api.get(STORES, min_position=suspended["position"])

    def ids(**params: Any) -> set[str]:
        return {s["id"] for s in walk(api, limit=2, **params)}

    assert ids(q=tag) == {bakery["id"], books["id"], cafe["id"], deli["id"]}  # code match
    assert ids(q="dupont") == {bakery["id"], cafe["id"]}  # name, case-insensitive
    assert ids(q="DUPONT", status="active") == {bakery["id"], cafe["id"]}
    assert ids(q=tag, status="suspended") == {books["id"]}
    assert ids(q=f"{tag}-book") == {books["id"]}
    assert ids(q="no such store at all") == set()
    # Case-insensitive beyond ASCII, the same on both backends.
    assert ids(q="épicerie") == {deli["id"]}
    assert ids(q="CAFÉ") == {cafe["id"]}
    # LIKE wildcards in the filter are literal characters, not patterns.
    assert ids(q="%") == set()
    assert ids(q="_") == set()


def test_unknown_store_is_404(api: Api) -> None:
    missing = api.get(f"{STORES}/00000000-0000-4000-8000-000000000000", expect=404)
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"].endswith("store_not_found")
    api.patch(f"{STORES}/00000000-0000-4000-8000-000000000000", {"name": "x"}, expect=404)


def test_suspended_store_closes_its_shop_until_reactivated(api: Api) -> None:
    store = api.create_store()
    sid, code = store["id"], store["code"]
    product = api.create_product(sid, title="Lantern").json()
    published = api.publish(sid, product["id"])
    shop = f"/api/v1/shop/{code}/products"
    found = api.get(shop, q="lantern", min_position=published["position"]).json()["items"]
    assert [p["id"] for p in found] == [product["id"]]
    api.get(f"{shop}/{product['id']}", expect=200)

    suspended = api.post(f"/api/v1/admin/stores/{sid}/suspend", {"reason": "x"}, expect=200)
    at = suspended.json()["position"]
    closed = api.get(shop, expect=404, min_position=at)
    assert closed.headers["content-type"].startswith("application/problem+json")
    api.get(f"{shop}/{product['id']}", expect=404, min_position=at)
    # The same code in another case is the same (closed) shop.
    api.get(f"/api/v1/shop/{code.upper()}/products", expect=404, min_position=at)
    # The team still sees its products while the shop is closed.
    team = api.get(f"/api/v1/stores/{sid}/products", min_position=at).json()["items"]
    assert [p["id"] for p in team] == [product["id"]]

    back = api.post(f"/api/v1/admin/stores/{sid}/reactivate", expect=200).json()
    found = api.get(shop, q="lantern", min_position=back["position"]).json()["items"]
    assert [p["id"] for p in found] == [product["id"]]
    api.get(f"{shop}/{product['id']}", expect=200)


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample whose labels include ``labels``."""
    total = 0.0
    found = False
    for line in metrics.splitlines():
        match = re.match(rf"^{re.escape(name)}\{{(.*)\}} (\S+)$", line)
        if not match:
            continue
        pairs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(1)))
        if all(pairs.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
            found = True
    assert found, f"no {name} sample with {labels}"
    return total


def test_metrics_count_requests_and_commands(api: Api, client: TestClient) -> None:
    store = api.create_store()
    taken = api.post(
        STORES,
        {"code": store["code"], "name": "x", "country": "LU", "currency": "EUR"},
    )
    assert taken.status_code == 409, taken.text
    api.get(f"{STORES}/{store['id']}", min_position=store["position"])

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        _sample(text, "orion_http_requests_total", method="POST", route=STORES, status="201") >= 1
    )
    assert (
        _sample(text, "orion_http_requests_total", method="POST", route=STORES, status="409") >= 1
    )
    assert (
        _sample(
            text,
            "orion_http_requests_total",
            method="GET",
            route="/api/v1/admin/stores/{store_id}",
            status="200",
        )
        >= 1
    )
    assert _sample(text, "orion_commands_total", command="RegisterStore", outcome="ok") >= 1
    assert _sample(text, "orion_commands_total", command="RegisterStore") >= 2
    assert "orion_events_appended_total" in text
    assert _sample(text, "orion_projection_lag_events", projection="stores") >= 0
    # Unmatched paths are counted under one label, not one series per path.
    client.get("/no/such/path/12345")
    text = client.get("/metrics").text
    assert "/no/such/path/12345" not in text
    assert "orion_http_request_duration_seconds_bucket" in text


def test_health_and_readiness(client: TestClient, api: Api) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    store = api.create_store()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ok" and body["failed_projections"] == []
    assert body["head"] >= store["position"]
    assert health.headers["X-Correlation-Id"]
    echoed = client.get("/healthz", headers={"X-Correlation-Id": "trace-me-42"})
    assert echoed.headers["X-Correlation-Id"] == "trace-me-42"


def test_projection_status_is_visible_to_admins(api: Api) -> None:
    store = api.create_store()
    api.get(STORES, min_position=store["position"])
    items = {p["name"]: p for p in api.get("/api/v1/admin/projections").json()["items"]}
    assert {"stores", "catalog", "storefront_search"} <= set(items)
    assert items["stores"]["position"] >= store["position"]
    api.get("/api/v1/admin/projections/no-such-projection", expect=404)
