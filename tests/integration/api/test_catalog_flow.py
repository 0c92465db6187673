"""Stores, catalog and storefront search through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.builders import Api, variant


def test_store_product_publish_search_flow(api: Api) -> None:
    store = api.create_store()
    sid = store["id"]
    created = api.create_product(
        sid,
        title="Café crème mug",
        description="A stoneware mug for the morning",
        variants=[variant("MUG-RED", 1299, colour="Red"), variant("MUG-BLUE", 1499, colour="Blue")],
    ).json()
    assert created["version"] == 1 and created["position"] > store["position"]

    # Drafts are not in the shop.
    shop = api.get(
        f"/api/v1/shop/{store['code']}/products", q="mug", min_position=created["position"]
    )
    assert shop.json()["items"] == []

    published = api.publish(sid, created["id"])
    found = api.get(
        f"/api/v1/shop/{store['code']}/products", q="CAFE", min_position=published["position"]
    ).json()["items"]
    assert [p["id"] for p in found] == [created["id"]]
    assert found[0]["price_from"] == {"amount": 1299, "currency": "EUR"}

    # Prefix, accent folding, SKU and attribute matching.
    for q in ("caf", "crème", "mug-blu", "blue"):
        items = api.get(f"/api/v1/shop/{store['code']}/products", q=q).json()["items"]
        assert [p["id"] for p in items] == [created["id"]], q

    team = api.get(f"/api/v1/stores/{sid}/products/{created['id']}").json()
    assert team["status"] == "published" and team["version"] == 2
