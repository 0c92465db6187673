"""Bad input gets a clear RFC 9457 problem and changes nothing (no event is written).

Each case prepares what it needs, then sends one offending request; the event log's head is
compared around that request only. Runs on SQLite and PostgreSQL (the ``orion`` fixture).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from interfaces.bootstrap import Orion
from tests.builders import Api, random_code, random_sku, variant

PROBLEM = "application/problem+json"


def header(name: str, value: str) -> dict[str, Any]:
    """One request header, for the builders' ``**headers`` (typed for mypy)."""
    return {name: value}


def assert_problem(
    response: Any, status: int, *, field: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 answer with the given status; ``field`` is named in ``errors[].field``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status, body
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str) and body[member], (member, body)
    if code is not None:
        assert body["type"].rsplit("/", 1)[-1] == code, body
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


@dataclass
class World:
    api: Api
    client: TestClient
    store: dict[str, Any]
    product: dict[str, Any]  # a draft product of ``store``
    sku: str  # the product's SKU

    @property
    def sid(self) -> str:
        return str(self.store["id"])

    @property
    def pid(self) -> str:
        return str(self.product["id"])

    @property
    def products(self) -> str:
        return f"/api/v1/stores/{self.sid}/products"

    @property
    def shop(self) -> str:
        return f"/api/v1/shop/{self.store['code']}/products"


@pytest.fixture
def world(api: Api, client: TestClient) -> World:
    store = api.create_store()
    sku = random_sku()
    product = api.create_product(store["id"], variants=[variant(sku, colour="Red")]).json()
    return World(api, client, store, product, sku)


def product_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "A mug", "description": "", "variants": [variant()]}
    body.update(fields)
    return body


def store_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": random_code(), "name": "Shop", "country": "LU"}
    body.update({"currency": "EUR", **fields})
    return body


def with_price(amount: Any = 1999, currency: Any = "EUR") -> dict[str, Any]:
    return product_body(
        variants=[{"sku": random_sku(), "price": {"amount": amount, "currency": currency}}]
    )


def cursor_of(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


Send = Callable[[], Any]
Case = Callable[[World], Send]


def create(body: Any) -> Case:
    return lambda w: lambda: w.api.post(w.products, body)


def create_store(body: Any) -> Case:
    return lambda w: lambda: w.api.post("/api/v1/admin/stores", body)


def edit(body: Any, **headers: Any) -> Case:
    return lambda w: lambda: w.api.patch(f"{w.products}/{w.pid}", body, **headers)


def read(path: Callable[[World], str], params: dict[str, Any]) -> Case:
    # Read after the world's writes, so a slow read model never answers 404 for the store.
    return lambda w: (
        lambda: w.api.get(path(w), expect=None, **{"min_position": w.product["position"], **params})
    )


def shop_search(**params: Any) -> Case:
    return read(lambda w: w.shop, params)


def team_list(**params: Any) -> Case:
    return read(lambda w: w.products, params)


def store_list(**params: Any) -> Case:
    return read(lambda w: "/api/v1/admin/stores", params)


def archived_then_edit(w: World) -> Send:
    w.api.post(f"{w.products}/{w.pid}/archive", expect=200)
    return lambda: w.api.patch(f"{w.products}/{w.pid}", {"title": "New title"})


def archived_then_publish(w: World) -> Send:
    w.api.post(f"{w.products}/{w.pid}/archive", expect=200)
    return lambda: w.api.post(f"{w.products}/{w.pid}/publish")


def published_twice(w: World) -> Send:
    w.api.publish(w.sid, w.pid)
    return lambda: w.api.post(f"{w.products}/{w.pid}/publish")


def unpublish_a_draft(w: World) -> Send:
    return lambda: w.api.post(f"{w.products}/{w.pid}/unpublish")


def duplicate_sku_across_products(w: World) -> Send:
    return lambda: w.api.post(w.products, product_body(variants=[variant(w.sku.lower())]))


def duplicate_sku_through_edit(w: World) -> Send:
    other = w.api.create_product(w.sid).json()
    body = {"variants": [variant(w.sku)]}
    return lambda: w.api.patch(f"{w.products}/{other['id']}", body)


def duplicate_store_code(w: World) -> Send:
    code = random_code("acme")
    w.api.create_store(code=code)
    return lambda: w.api.post("/api/v1/admin/stores", store_body(code=code.upper()))


def stale_if_match(w: World) -> Send:
    w.api.patch(f"{w.products}/{w.pid}", {"title": "Second title"}, expect=200)
    return lambda: w.api.patch(
        f"{w.products}/{w.pid}", {"title": "Third"}, **header("If-Match", '"1"')
    )


def stale_if_match_on_publish(w: World) -> Send:
    w.api.patch(f"{w.products}/{w.pid}", {"title": "Second title"}, expect=200)
    return lambda: w.api.post(f"{w.products}/{w.pid}/publish", **header("If-Match", "1"))


def stale_if_match_on_store(w: World) -> Send:
    url = f"/api/v1/admin/stores/{w.sid}"
    w.api.patch(url, {"name": "Renamed"}, expect=200)
    return lambda: w.api.patch(url, {"name": "Again"}, **header("If-Match", '"1"'))


def suspended_twice(w: World) -> Send:
    url = f"/api/v1/admin/stores/{w.sid}/suspend"
    w.api.post(url, {"reason": "unpaid"}, expect=200)
    return lambda: w.api.post(url, {"reason": "still unpaid"})


def reactivate_active(w: World) -> Send:
    return lambda: w.api.post(f"/api/v1/admin/stores/{w.sid}/reactivate")


def suspend_with(body: Any) -> Case:
    return lambda w: lambda: w.api.post(f"/api/v1/admin/stores/{w.sid}/suspend", body)


def malformed_json(w: World) -> Send:
    headers = {**w.api.headers, "Content-Type": "application/json"}
    return lambda: w.client.post(w.products, content=b'{"title": "x",', headers=headers)


def malformed_json_with_key(w: World) -> Send:
    headers = {**w.api.headers, "Content-Type": "application/json", "Idempotency-Key": "k-1"}
    return lambda: w.client.post(w.products, content=b"[1, 2", headers=headers)


def not_utf8(w: World) -> Send:
    """Bytes that are not UTF-8 are not JSON: the same 422 as malformed JSON."""
    headers = {**w.api.headers, "Content-Type": "application/json"}
    return lambda: w.client.post(w.products, content=b'{"title": "\xff\xfe"}', headers=headers)


def store_read(path: str, **params: Any) -> Case:
    return read(lambda w: path.format(sid=w.sid), params)


def lone_surrogate_title(w: World) -> Send:
    """JSON may escape a lone surrogate; no text can be stored from it."""
    headers = {**w.api.headers, "Content-Type": "application/json"}
    body = json.dumps({"title": "x", "variants": [variant()]}).replace('"x"', '"\\ud800"')
    return lambda: w.client.post(w.products, content=body.encode(), headers=headers)


def lone_surrogate_customer_name(w: World) -> Send:
    headers = {"Content-Type": "application/json"}
    body = '{"email": "sur@example.com", "password": "a fine passphrase", "first_name": "\\ud800"}'
    url = f"/api/v1/shop/{w.store['code']}/account/register"
    return lambda: w.client.post(url, content=body.encode(), headers=headers)


def other_store_product(action: str) -> Case:
    def case(w: World) -> Send:
        other = w.api.create_store()
        url = f"/api/v1/stores/{other['id']}/products/{w.pid}"
        if action == "get":
            return lambda: w.api.get(url, expect=None)
        if action == "edit":
            return lambda: w.api.patch(url, {"title": "Stolen"})
        return lambda: w.api.post(f"{url}/{action}")

    return case


def other_store_product_in_shop(w: World) -> Send:
    published = w.api.publish(w.sid, w.pid)
    other = w.api.create_store()
    url = f"/api/v1/shop/{other['code']}/products/{w.pid}"
    return lambda: w.api.get(url, expect=None, min_position=published["position"])


def suspended_shop(path: str) -> Case:
    def case(w: World) -> Send:
        published = w.api.publish(w.sid, w.pid)
        suspended = w.api.post(
            f"/api/v1/admin/stores/{w.sid}/suspend", {"reason": "unpaid"}, expect=200
        ).json()
        assert suspended["position"] > published["position"]
        url = w.shop + path.format(pid=w.pid)
        return lambda: w.api.get(url, expect=None, min_position=suspended["position"])

    return case


def anonymous(method: str, path: str, body: Any = None) -> Case:
    def case(w: World) -> Send:
        url = path.format(sid=w.sid, pid=w.pid)
        return lambda: w.client.request(method, url, json=body)

    return case


def with_authorization(value: str, method: str = "POST") -> Case:
    def case(w: World) -> Send:
        return lambda: w.client.request(
            method, "/api/v1/admin/stores", json=store_body(), headers={"Authorization": value}
        )

    return case


def non_uuid(path: str) -> Case:
    return lambda w: lambda: w.api.get(path.format(sid=w.sid, pid=w.pid), expect=None)


def non_uuid_command(path: str, body: Any = None) -> Case:
    return lambda w: lambda: w.api.post(path.format(sid=w.sid, pid=w.pid), body)


def unknown_store(w: World) -> Send:
    return lambda: w.api.post(f"/api/v1/stores/{uuid4()}/products", product_body())


def unknown_product(action: str) -> Case:
    def case(w: World) -> Send:
        url = f"{w.products}/{uuid4()}"
        if action == "get":
            return lambda: w.api.get(url, expect=None)
        if action == "edit":
            return lambda: w.api.patch(url, {"title": "Ghost"})
        return lambda: w.api.post(f"{url}/{action}")

    return case


def unknown_shop(w: World) -> Send:
    return lambda: w.api.get("/api/v1/shop/no-such-shop/products", expect=None)


def long_idempotency_key(w: World) -> Send:
    return lambda: w.api.post(w.products, product_body(), **header("Idempotency-Key", "k" * 256))


TITLE_201 = "x" * 201
P = pytest.param
CASES = [
    P(lone_surrogate_title, 422, "title", id="lone-surrogate"),
    P(lone_surrogate_customer_name, 422, None, id="lone-surrogate-sealed"),
    # -- unknown fields and wrong types (pydantic, strict) ---------------------------------
    P(create(product_body(colour="red")), 422, "colour", id="unknown-field"),
    P(
        create(product_body(variants=[{**variant(), "weight": 3}])),
        422,
        "variants[0].weight",
        id="unknown-variant-field",
    ),
    P(
        create(
            product_body(
                variants=[{**variant(), "price": {"amount": 1, "currency": "EUR", "x": 1}}]
            )
        ),
        422,
        "variants[0].price.x",
        id="unknown-price-field",
    ),
    P(create_store(store_body(owner="me")), 422, "owner", id="unknown-store-field"),
    P(edit({"status": "published"}), 422, "status", id="unknown-field-on-edit"),
    P(create(with_price("1999")), 422, "variants[0].price.amount", id="string-price"),
    P(create(with_price(19.99)), 422, "variants[0].price.amount", id="float-price"),
    P(create(with_price(1999.0)), 422, "variants[0].price.amount", id="integral-float-price"),
    P(create(with_price(True)), 422, "variants[0].price.amount", id="bool-amount"),
    P(create(with_price(None)), 422, "variants[0].price.amount", id="null-amount"),
    P(create(with_price(-1)), 422, "variants[0].price.amount", id="negative-price"),
    P(create(with_price(10**13)), 422, "variants[0].price.amount", id="huge-price"),
    P(create(product_body(title=42)), 422, "title", id="number-title"),
    P(create(product_body(variants="many")), 422, "variants", id="string-variants"),
    P(
        create(product_body(variants=[variant(colour=1)])),  # type: ignore[arg-type]
        422,
        "variants[0].attributes.colour",
        id="number-attribute",
    ),
    P(create([product_body()]), 422, None, id="array-body"),
    P(create(None), 422, None, id="missing-body"),
    # -- domain rules ------------------------------------------------------------------------
    P(create(with_price(currency="EUX")), 422, "variants[0].price.currency", id="currency-EUX"),
    P(create(with_price(currency="eur")), 422, "variants[0].price.currency", id="currency-lower"),
    P(create(with_price(currency="USD")), 422, "variants[0].price.currency", id="not-store-cur"),
    P(create(with_price(currency="EURO")), 422, "variants[0].price.currency", id="currency-4"),
    P(create(product_body(title=TITLE_201)), 422, "title", id="title-201"),
    P(create(product_body(title="   ")), 422, "title", id="blank-title"),
    P(create(product_body(title="")), 422, "title", id="empty-title"),
    P(edit({"title": TITLE_201}), 422, "title", id="title-201-on-edit"),
    P(edit({"title": " \t "}), 422, "title", id="blank-title-on-edit"),
    P(edit({"title": None}), 422, "title", id="null-title-on-edit"),
    P(edit({"variants": []}), 422, "variants", id="empty-variants-on-edit"),
    P(create(product_body(variants=[])), 422, "variants", id="empty-variants"),
    P(
        create(product_body(variants=[variant("DUP-1"), variant("DUP-1")])),
        422,
        "variants[1].sku",
        id="duplicate-sku-in-product",
    ),
    P(
        create(product_body(variants=[variant("dup-2"), variant("DUP-2")])),
        422,
        "variants[1].sku",
        id="duplicate-sku-in-product-case",
    ),
    P(create(product_body(variants=[variant("has space")])), 422, "variants[0].sku", id="bad-sku"),
    P(create(product_body(tax_category="luxury")), 422, "tax_category", id="bad-tax-category"),
    # PostgreSQL text cannot hold NUL: accepted, it would stop the read models of every store.
    P(create(product_body(title="Nul\x00mug")), 422, "title", id="nul-in-title"),
    P(create(product_body(description="a\x00b")), 422, "description", id="nul-in-description"),
    P(
        create(product_body(variants=[variant(colour="r\x00ed")])),
        422,
        "variants[0].attributes.colour",
        id="nul-in-attribute",
    ),
    P(edit({"title": "Nul\x00mug"}), 422, "title", id="nul-in-title-on-edit"),
    P(create_store(store_body(name="Nul\x00shop")), 422, "name", id="nul-in-store-name"),
    P(duplicate_sku_across_products, 409, None, id="duplicate-sku-across-products"),
    P(duplicate_sku_through_edit, 409, None, id="duplicate-sku-through-edit"),
    # -- stores ------------------------------------------------------------------------------
    P(duplicate_store_code, 409, None, id="duplicate-store-code-case"),
    P(create_store(store_body(code="-bad-")), 422, "code", id="store-code-hyphens"),
    P(create_store(store_body(code="has space")), 422, "code", id="store-code-space"),
    P(create_store(store_body(code="x" * 33)), 422, "code", id="store-code-too-long"),
    P(create_store(store_body(code="café")), 422, "code", id="store-code-accent"),
    P(create_store(store_body(country="XX")), 422, "country", id="store-country"),
    P(create_store(store_body(country="LUX")), 422, "country", id="store-country-3"),
    # Not ISO 3166-1 countries, though CLDR lists them as territories.
    *(
        P(create_store(store_body(country=c)), 422, "country", id=f"store-country-{c}")
        for c in ("ZZ", "EU", "UN", "QO", "XA")
    ),
    P(create_store(store_body(locale="zz_QQ")), 422, "locale", id="store-locale"),
    P(create_store(store_body(locale="!!")), 422, "locale", id="store-locale-junk"),
    P(create_store(store_body(currency="EUX")), 422, "currency", id="store-currency"),
    P(create_store(store_body(name="  ")), 422, "name", id="store-blank-name"),
    P(suspended_twice, 409, None, id="suspend-twice"),
    P(reactivate_active, 409, None, id="reactivate-active"),
    P(suspend_with({"reason": "   "}), 422, "reason", id="suspend-blank-reason"),
    P(suspend_with({}), 422, "reason", id="suspend-without-reason"),
    P(
        lambda w: lambda: w.api.patch(f"/api/v1/admin/stores/{w.sid}", {"currency": "USD"}),
        422,
        "currency",
        id="store-currency-is-fixed",
    ),
    P(
        lambda w: lambda: w.api.patch(f"/api/v1/admin/stores/{w.sid}", {"country": "ZZ"}),
        422,
        "country",
        id="store-patch-country",
    ),
    # -- state transitions and concurrency -----------------------------------------------------
    P(archived_then_edit, 409, None, id="edit-archived"),
    P(archived_then_publish, 409, None, id="publish-archived"),
    P(published_twice, 409, None, id="publish-twice"),
    P(unpublish_a_draft, 409, None, id="unpublish-draft"),
    P(stale_if_match, 412, None, id="stale-if-match"),
    P(stale_if_match_on_publish, 412, None, id="stale-if-match-publish"),
    P(stale_if_match_on_store, 412, None, id="stale-if-match-store"),
    P(edit({"title": "x"}, **header("If-Match", "abc")), 422, "If-Match", id="malformed-if-match"),
    P(edit({"title": "x"}, **header("If-Match", '"-1"')), 422, "If-Match", id="negative-if-match"),
    P(malformed_json, 422, "body", id="malformed-json"),
    P(malformed_json_with_key, 422, "body", id="malformed-json-with-idempotency-key"),
    P(not_utf8, 422, "body", id="body-not-utf8"),
    P(long_idempotency_key, 422, "Idempotency-Key", id="idempotency-key-too-long"),
    P(edit({"description": None}), 422, "description", id="null-description-on-edit"),
    P(edit({"tax_category": None}), 422, "tax_category", id="null-tax-category-on-edit"),
    # -- queries -------------------------------------------------------------------------------
    P(shop_search(cursor="not-a-cursor!"), 422, "cursor", id="shop-bad-cursor"),
    P(shop_search(cursor=cursor_of([1, 2, 3])), 422, "cursor", id="shop-cursor-wrong-size"),
    P(
        shop_search(sort="price_asc", cursor=cursor_of(["cheap", str(uuid4())])),
        422,
        "cursor",
        id="shop-cursor-wrong-type",
    ),
    P(
        shop_search(sort="price_asc", cursor=cursor_of([10**30, str(uuid4())])),
        422,
        "cursor",
        id="shop-cursor-huge-int",
    ),
    P(
        shop_search(cursor=cursor_of(["2024-01-01T00:00:00", "not-a-uuid"])),
        422,
        "cursor",
        id="shop-cursor-bad-uuid",
    ),
    P(team_list(cursor="%%%"), 422, "cursor", id="team-bad-cursor"),
    P(team_list(cursor=cursor_of(["yesterday", str(uuid4())])), 422, "cursor", id="team-cur-date"),
    P(store_list(cursor="eyJ"), 422, "cursor", id="stores-bad-cursor"),
    P(shop_search(min_price=500, max_price=100), 422, "min_price", id="min-above-max"),
    P(shop_search(min_price=-1), 422, "min_price", id="negative-min-price"),
    P(shop_search(min_price=10**30), 422, "min_price", id="huge-min-price"),
    P(shop_search(max_price="cheap"), 422, "max_price", id="string-max-price"),
    P(shop_search(sort="cheapest"), 422, "sort", id="bad-sort"),
    P(shop_search(attr="colour"), 422, "attr", id="attr-without-value"),
    P(shop_search(attr=":red"), 422, "attr", id="attr-without-name"),
    P(shop_search(attr="col\x00our:red"), 422, "attr", id="nul-in-attr-filter"),
    P(store_list(q="a\x00b"), 422, "q", id="nul-in-store-filter"),
    P(
        lambda w: lambda: w.api.get("/api/v1/shop/a%00b/products", expect=None),
        404,
        None,
        id="nul-in-shop-code",
    ),
    P(shop_search(limit=0), 422, "limit", id="limit-zero"),
    P(shop_search(limit=101), 422, "limit", id="limit-too-big"),
    P(team_list(status="deleted"), 422, "status", id="team-bad-status"),
    P(store_list(status="closed"), 422, "status", id="stores-bad-status"),
    P(shop_search(min_position=-1), 422, "min_position", id="negative-min-position"),
    # Dates and times are text (RFC 3339), never a Unix number; a time carries its offset.
    P(store_read("/api/v1/stores/{sid}/dashboard", to=0), 422, "to", id="dashboard-to-0"),
    P(
        store_read("/api/v1/stores/{sid}/dashboard", **{"from": "1700000000"}),
        422,
        "from",
        id="dashboard-from-unix",
    ),
    P(store_read("/api/v1/stores/{sid}/orders", placed_from=0), 422, "placed_from", id="orders-0"),
    P(
        store_read("/api/v1/stores/{sid}/orders", placed_to="2026-01-31T12:00:00"),
        422,
        "placed_to",
        id="orders-naive-time",
    ),
    P(store_read("/api/v1/admin/audit/events", since=0), 422, "since", id="audit-since-0"),
    P(store_read("/api/v1/admin/audit/events", until=1.5), 422, "until", id="audit-until-float"),
    # -- identifiers, tenancy and authentication -------------------------------------------------
    P(non_uuid("/api/v1/stores/not-a-uuid/products"), 422, "store_id", id="non-uuid-store"),
    P(non_uuid("/api/v1/stores/{sid}/products/123"), 422, "product_id", id="non-uuid-product"),
    P(non_uuid("/api/v1/admin/stores/xyz"), 422, "store_id", id="non-uuid-admin-store"),
    P(non_uuid("/api/v1/shop/x/products/nope"), 422, "product_id", id="non-uuid-shop-product"),
    P(
        non_uuid_command("/api/v1/stores/{sid}/products/123/publish"),
        422,
        "product_id",
        id="non-uuid-publish",
    ),
    P(unknown_store, 404, None, id="unknown-store"),
    P(unknown_product("get"), 404, None, id="unknown-product-get"),
    P(unknown_product("edit"), 404, None, id="unknown-product-edit"),
    P(unknown_product("publish"), 404, None, id="unknown-product-publish"),
    P(unknown_product("archive"), 404, None, id="unknown-product-archive"),
    P(other_store_product("get"), 404, None, id="other-store-get"),
    P(other_store_product("edit"), 404, None, id="other-store-edit"),
    P(other_store_product("publish"), 404, None, id="other-store-publish"),
    P(other_store_product("archive"), 404, None, id="other-store-archive"),
    P(other_store_product_in_shop, 404, None, id="other-store-shop-product"),
    P(anonymous("POST", "/api/v1/admin/stores", store_body()), 401, None, id="anon-create-store"),
    P(anonymous("GET", "/api/v1/admin/stores"), 401, None, id="anon-list-stores"),
    P(anonymous("POST", "/api/v1/stores/{sid}/products", product_body()), 401, None, id="anon-cp"),
    P(anonymous("GET", "/api/v1/stores/{sid}/products/{pid}"), 401, None, id="anon-get-product"),
    P(
        anonymous("POST", "/api/v1/admin/stores/{sid}/suspend", {"reason": "x"}),
        401,
        None,
        id="anon-suspend",
    ),
    P(anonymous("GET", "/api/v1/admin/projections"), 401, None, id="anon-projections"),
    P(with_authorization("Bearer wrong-token"), 401, None, id="wrong-token"),
    P(with_authorization("Bearer wrong-token", "GET"), 401, None, id="wrong-token-get"),
    P(with_authorization("Basic YWRtaW46YWRtaW4="), 401, None, id="basic-auth"),
    P(with_authorization("Bearer "), 401, None, id="empty-bearer"),
    P(suspended_shop(""), 404, None, id="suspended-shop-search"),
    P(suspended_shop("/{pid}"), 404, None, id="suspended-shop-product"),
    P(unknown_shop, 404, None, id="unknown-shop"),
]


@pytest.mark.parametrize(("case", "status", "field"), CASES)
def test_bad_input_is_refused_and_writes_nothing(
    world: World, orion: Orion, case: Case, status: int, field: str | None
) -> None:
    send = case(world)
    before = orion.platform.head()
    response = send()
    body = assert_problem(response, status, field=field)
    assert orion.platform.head() == before, "a refused request wrote events"
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer")
    if status == 422 and field is not None:
        message = next(e["message"] for e in body["errors"] if e["field"] == field)
        assert message, body


def test_problem_names_the_rule_that_was_broken(world: World, orion: Orion) -> None:
    """Specific problem types and the current state, where a client needs them."""
    api = world.api
    sku_taken = api.post(world.products, product_body(variants=[variant(world.sku)]))
    assert_problem(sku_taken, 409, code="sku_taken")

    code = random_code("acme")
    api.create_store(code=code.upper())
    taken = api.post("/api/v1/admin/stores", store_body(code=code.lower()))
    assert_problem(taken, 409, code="store_code_taken")

    api.post(f"{world.products}/{world.pid}/archive", expect=200)
    before = orion.platform.head()
    archived = assert_problem(
        api.patch(f"{world.products}/{world.pid}", {"title": "New"}),
        409,
        code="invalid_product_transition",
    )
    # The answer names the product's current status (the problem's ``status`` stays 409).
    assert archived.get("current_status") == "archived" or "archived" in archived["detail"]
    stale = assert_problem(
        api.post(f"{world.products}/{world.pid}/unpublish", **header("If-Match", "9")),
        412,
        code="precondition_failed",
    )
    assert stale["current_version"] == 2
    assert orion.platform.head() == before

    unknown = assert_problem(api.get(f"{world.products}/{uuid4()}", expect=None), 404)
    assert unknown["type"].endswith("product_not_found")


def test_other_tenants_resources_look_the_same_as_missing_ones(world: World) -> None:
    """A 404 for another store's product says nothing that a 404 for a random id does not."""
    other = world.api.create_store()
    theirs = world.api.get(f"/api/v1/stores/{other['id']}/products/{world.pid}", expect=404).json()
    missing_id = str(uuid4())
    missing = world.api.get(
        f"/api/v1/stores/{other['id']}/products/{missing_id}", expect=404
    ).json()
    assert theirs["type"] == missing["type"] and theirs["title"] == missing["title"]
    assert theirs["detail"].replace(world.pid, "?") == missing["detail"].replace(missing_id, "?")


def test_a_method_not_allowed_says_which_are(world: World) -> None:
    response = world.client.delete("/api/v1/admin/stores")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
