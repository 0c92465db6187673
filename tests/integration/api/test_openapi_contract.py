"""The OpenAPI document is a contract: a bounded schemathesis run over every operation of
``/openapi.json`` fails on any 5xx, any status code the operation does not declare, and any
body (or content type, or declared header) that does not match what the operation declares.

The run is in-process (the ``client`` fixture's app, on SQLite and on PostgreSQL) over seeded
data, so that it reaches past the 404s: a store with a published product (one SKU with a
slash), stock at two locations, a shipping rate, a team with an owner and a manager, an API
key, a pending invitation, a customer with an address, a guest cart and a placed order. Each
operation is called as the platform admin, the store's owner, a customer and without
credentials; path parameters name the seeded resources (and, in a share of the examples,
whatever schemathesis makes up). Operations run reads first, then writes, then those that
end what the others need (logouts, erasures, suspensions); destructive ones aim at
resources seeded to be destroyed.

``EXAMPLES`` bounds the run: hypothesis draws that many cases per operation and caller (half
as many invalid ones), with a fixed seed, so CI sees the same run each time. Set
``ORION_CONTRACT_EXAMPLES`` to explore more on a workstation.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup

from interfaces.bootstrap import Orion
from interfaces.settings import Settings
from tests.builders import Api, random_code
from tests.integration.api.test_team import accept, invite, token_of

# Per operation: EXAMPLES valid cases as the caller the operation is for (the admin for admin
# routes, the owner for a store's, a customer for a shop's), a quarter as many invalid ones,
# and OTHERS valid cases as each of the three other callers (their answers are mostly a 401,
# 403 or 404, whatever the input). 12 + 3 + 3 x 2 = 21 requests per operation, about 2,300
# per backend: cases cost 10-30 ms each to draw and send, which keeps both backends within
# BUDGET_SECONDS, and every operation still gets its validation, auth and deep paths.
EXAMPLES = int(os.environ.get("ORION_CONTRACT_EXAMPLES", "12"))
OTHERS = 2
BUDGET_SECONDS = 90
PASSWORD = "correct horse battery"
CHECKS = [
    getattr(checks, name)
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A made-up min_position waits for the read model this long: short, or the run would wait.
    return settings.model_copy(update={"consistency_timeout_seconds": 0.05})


@dataclass
class World:
    """What the run is seeded with: values of path parameters, and who calls."""

    values: dict[str, str]
    # Body members that name a seeded resource -> its value (in most valid cases).
    members: dict[str, str]
    # (method, path template) -> parameter values that replace ``values`` for that operation.
    targets: dict[tuple[str, str], dict[str, str]]
    callers: dict[str, dict[str, str]]
    guest_cart: str
    # (operation, what failed, status) -> how many times, and the first case's curl command.
    found: dict[tuple[str, str, int], tuple[int, str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=dict)


def seed(client: TestClient, orion: Orion, admin: dict[str, str]) -> World:
    api = Api(client, admin)
    store = api.create_store(code=random_code("ct"))
    sid, code = str(store["id"]), store["code"]
    skus = ["MUG-RED", "BOX/ledger"]
    product = api.create_product(
        sid,
        title="Mug",
        variants=[
            {"sku": s, "price": {"amount": 1500, "currency": "EUR"}, "attributes": {}} for s in skus
        ],
    ).json()
    api.publish(sid, product["id"])
    api.post(f"/api/v1/admin/stores/{sid}/suspend", {"reason": "spare"}, expect=200)
    api.post(f"/api/v1/admin/stores/{sid}/reactivate", expect=200)
    spare_store = api.create_store(code=random_code("cs"))
    location = api.post(
        f"/api/v1/stores/{sid}/inventory/locations", {"code": "back", "name": "Back room"}, 201
    ).json()
    for sku in skus:
        api.post(f"/api/v1/stores/{sid}/inventory/receive", {"sku": sku, "quantity": 500}, 200)
    rate = api.post(
        f"/api/v1/stores/{sid}/shipping-rates",
        {"name": "Standard", "kind": "flat", "amount": 490},
        201,
    ).json()

    owner = _join(client, orion, admin, sid, "owner")
    manager = _join(client, orion, admin, sid, "manager")
    pending = invite(client, admin, sid, f"later.{secrets.token_hex(3)}@example.org", "viewer")
    key = api.post(f"/api/v1/stores/{sid}/api-keys", {"name": "ERP", "role": "staff"}, 201)

    customer = _customer(client, code)
    spare_customer = _customer(client, code)
    shopper = {"Authorization": f"Bearer {customer['access_token']}"}
    address = client.post(
        f"/api/v1/shop/{code}/account/me/addresses",
        json={"line1": "1 Rue", "city": "Luxembourg", "postal_code": "L-1111", "country": "LU"},
        headers=shopper,
    )
    assert address.status_code == 201, address.text
    added = client.post(
        f"/api/v1/shop/{code}/cart/lines", json={"sku": skus[0], "quantity": 2}, headers=shopper
    )
    assert added.status_code == 201, added.text
    order = client.post(
        f"/api/v1/shop/{code}/checkout",
        json={"shipping_rate_id": rate["rate_id"], "payment_method": "manual"},
        headers={**shopper, "Idempotency-Key": "seed-order"},
    )
    assert order.status_code == 201, order.text
    placed = order.json()
    paid = {"amount": placed["totals"]["total"], "reference": "seed"}
    api.post(f"/api/v1/stores/{sid}/orders/{placed['order_id']}/payments", paid, 200)
    # The paid order's invoice, issued by hand (the store does not issue on payment).
    invoicing = {
        "legal_name": "Contract Sàrl",
        "address": {
            "line1": "1 Rue",
            "postal_code": "L-1111",
            "city": "Luxembourg",
            "country": "LU",
        },
        "issue_on_payment": False,
    }
    api.patch(f"/api/v1/stores/{sid}/settings/invoicing", invoicing, 200)
    invoice = api.post(f"/api/v1/stores/{sid}/orders/{placed['order_id']}/invoice", None, 201)
    client.post(
        f"/api/v1/shop/{code}/cart/lines", json={"sku": skus[1], "quantity": 1}, headers=shopper
    )
    guest = client.post(f"/api/v1/shop/{code}/cart/lines", json={"sku": skus[0], "quantity": 1})
    assert guest.status_code == 201, guest.text
    token = {"X-Cart-Token": guest.headers["X-Cart-Token"]}
    more = client.post(
        f"/api/v1/shop/{code}/cart/lines", json={"sku": skus[1], "quantity": 1}, headers=token
    )
    assert more.status_code == 201, more.text

    values = {
        "store_id": sid,
        "store_code": code,
        "product_id": str(product["id"]),
        "sku": skus[1],
        "order_id": str(order.json()["order_id"]),
        "invoice_id": str(invoice.json()["invoice_id"]),
        "aggregate_id": str(order.json()["order_id"]),
        "customer_id": customer["account_id"],
        "user_id": owner["account_id"],
        "invitation_id": str(pending["invitation_id"]),
        "key_id": str(key.json()["id"]),
        "rate_id": str(rate["rate_id"]),
        "location_id": str(location["location_id"]),
        "address_id": str(address.json()["address_id"]),
        "name": "catalog",
    }
    spare = {"customer_id": spare_customer["account_id"], "user_id": manager["account_id"]}
    targets = {
        ("POST", "/api/v1/admin/stores/{store_id}/suspend"): {"store_id": spare_store["id"]},
        ("PATCH", "/api/v1/admin/stores/{store_id}"): {"store_id": spare_store["id"]},
        ("POST", "/api/v1/admin/users/{user_id}/disable"): spare,
        ("DELETE", "/api/v1/admin/users/{user_id}"): spare,
        ("PATCH", "/api/v1/admin/users/{user_id}"): spare,
        ("DELETE", "/api/v1/stores/{store_id}/team/members/{user_id}"): spare,
        ("PATCH", "/api/v1/stores/{store_id}/team/members/{user_id}"): spare,
        ("POST", "/api/v1/stores/{store_id}/customers/{customer_id}/deactivate"): spare,
        ("DELETE", "/api/v1/stores/{store_id}/customers/{customer_id}"): spare,
    }
    callers = {
        "admin": admin,
        "owner": {"Authorization": f"Bearer {owner['access_token']}"},
        "customer": shopper,
        "anonymous": {},
    }
    members = {
        "sku": skus[0],
        "shipping_rate_id": values["rate_id"],
        "location_id": location["location_id"],
    }
    return World(values, members, targets, callers, guest.headers["X-Cart-Token"])


def _join(
    client: TestClient, orion: Orion, admin: dict[str, str], store_id: str, role: str
) -> dict[str, Any]:
    invited = invite(client, admin, store_id, f"{role}.{secrets.token_hex(3)}@example.org", role)
    accepted = accept(client, token_of(orion, store_id, invited), password=PASSWORD, name=role)
    assert accepted.status_code == 200, accepted.text
    answer: dict[str, Any] = accepted.json()
    return answer


def _customer(client: TestClient, code: str) -> dict[str, Any]:
    email = f"ada.{secrets.token_hex(4)}@example.org"
    made = client.post(
        f"/api/v1/shop/{code}/account/register", json={"email": email, "password": PASSWORD}
    )
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


# -- the order of the run -------------------------------------------------------------------

# Run last, in this order: each ends something the operations before it need.
LAST = [
    ("POST", "/api/v1/admin/projections/{name}/rebuild"),
    ("POST", "/api/v1/stores/{store_id}/products/{product_id}/unpublish"),
    ("POST", "/api/v1/stores/{store_id}/products/{product_id}/archive"),
    ("DELETE", "/api/v1/stores/{store_id}/customers/{customer_id}"),
    ("POST", "/api/v1/stores/{store_id}/customers/{customer_id}/deactivate"),
    ("DELETE", "/api/v1/admin/users/{user_id}"),
    ("POST", "/api/v1/admin/users/{user_id}/disable"),
    ("POST", "/api/v1/admin/stores/{store_id}/suspend"),
    ("DELETE", "/api/v1/shop/{store_code}/account/me"),
    ("POST", "/api/v1/shop/{store_code}/account/me/password"),
    ("POST", "/api/v1/auth/me/password"),
    ("POST", "/api/v1/shop/{store_code}/account/logout"),
    ("POST", "/api/v1/auth/logout"),
]


def run_order(method: str, path: str) -> tuple[int, int]:
    if (method, path) in LAST:
        return 3, LAST.index((method, path))
    if method == "GET":
        return 0, 0
    return (2, 0) if method == "DELETE" else (1, 0)


# -- sending a case through the app, and checking the answer ----------------------------------


def send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """The case as the test client sends it (the app runs in this process)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    sent: dict[str, Any] = {"headers": kwargs.get("headers"), "params": kwargs.get("params")}
    if "json" in kwargs:
        sent["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        sent["content"] = data if isinstance(data, bytes) else str(data).encode()
    return client.request(kwargs["method"], kwargs["url"], **sent)


def path_values(world: World, operation: Any) -> dict[str, str]:
    names = [p.name for p in operation.path_parameters]
    chosen = {**world.values, **world.targets.get((operation.method.upper(), operation.path), {})}
    return {n: chosen[n] for n in names if n in chosen}


def with_members(body: Any, members: dict[str, str]) -> Any:
    """The body, with the members that name a resource naming a seeded one."""
    if isinstance(body, list):
        return [with_members(item, members) for item in body]
    if isinstance(body, dict):
        return {
            k: members[k] if k in members else with_members(v, members) for k, v in body.items()
        }
    return body


def with_body(case: Any, members: dict[str, str]) -> Any:
    case.body = with_members(case.body, members)
    return case


def cases(world: World, operation: Any, caller: str) -> st.SearchStrategy[Any]:
    """Cases on the seeded resources (most of them), and on made-up ones."""
    headers = {}
    if caller == "anonymous" and any(p.name == "X-Cart-Token" for p in operation.headers):
        headers["X-Cart-Token"] = world.guest_cart
    seeded = path_values(world, operation)
    on_seeded = operation.as_strategy(
        GenerationMode.POSITIVE, path_parameters=seeded or None, headers=headers or None
    )
    if operation.body and "/products" not in operation.path:  # products make their SKUs
        on_seeded = on_seeded.map(lambda case: with_body(case, world.members))
    made_up = operation.as_strategy(GenerationMode.POSITIVE)
    if not seeded:
        return on_seeded
    return st.one_of(on_seeded, on_seeded, on_seeded, made_up)


def caller_for(path: str) -> str:
    """Whom the operation is for (the others are tried too, with fewer examples)."""
    if path.startswith("/api/v1/admin/"):
        return "admin"
    if path.startswith(("/api/v1/stores/", "/api/v1/auth/")):
        return "owner"
    if path.startswith("/api/v1/shop/"):
        return "customer" if "/account/" in path or path.endswith("/checkout") else "anonymous"
    return "anonymous"


def run_operation(client: TestClient, world: World, operation: Any, caller: str) -> None:
    headers = world.callers[caller]

    def check(case: Any) -> None:
        response = send(client, case, headers)
        world.statuses.setdefault(operation.label, set()).add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failures:
            for failure in failures.exceptions:
                key = (operation.label, failure.title, response.status_code)
                count, first = world.found.get(key, (0, ""))
                example = f"as {caller}: {failure.message[:400]}\n    {case.as_curl_command()}"
                world.found[key] = (count + 1, first or example)

    def run(strategy: st.SearchStrategy[Any], count: int) -> None:
        @hypothesis_settings(
            max_examples=count,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def examples(case: Any) -> None:
            check(case)

        examples()

    if caller != caller_for(operation.path):
        run(cases(world, operation, caller), OTHERS)
        return
    run(cases(world, operation, caller), EXAMPLES)
    if operation.body or operation.query:  # what else could be invalid is a path or a header
        invalid = operation.as_strategy(
            GenerationMode.NEGATIVE, path_parameters=path_values(world, operation) or None
        )
        run(invalid, max(EXAMPLES // 4, 1))


def test_every_answer_is_what_the_document_says(
    client: TestClient, orion: Orion, admin_headers: dict[str, str]
) -> None:
    started = time.monotonic()
    world = seed(client, orion, admin_headers)
    document = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda o: run_order(o.method.upper(), o.path))
    for operation in operations:
        began = time.monotonic()
        for caller in world.callers:
            run_operation(client, world, operation, caller)
        world.seconds[operation.label] = time.monotonic() - began
    elapsed = time.monotonic() - started
    slowest = sorted(world.seconds.items(), key=lambda kv: -kv[1])[:5]
    shallow = sorted(k for k, v in world.statuses.items() if not any(s < 300 for s in v))
    print(
        f"\ncontract run: {elapsed:.0f} s; slowest:", ", ".join(f"{k} {v:.1f}s" for k, v in slowest)
    )
    print(
        f"never answered 2xx ({len(shallow)}):",
        "; ".join(f"{k} {sorted(world.statuses[k])}" for k in shallow),
    )
    report = [
        f"{label}: {title} ({status}), {count}x, first {example}"
        for (label, title, status), (count, example) in sorted(world.found.items())
    ]
    assert not report, f"{len(report)} contract failures:\n" + "\n".join(report)
    assert elapsed < BUDGET_SECONDS, f"the contract run took {elapsed:.0f} s"


# -- the document itself ---------------------------------------------------------------------


def operations_of(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def problem_statuses(operation: dict[str, Any]) -> set[int]:
    return {
        int(status)
        for status, response in operation["responses"].items()
        if "application/problem+json" in response.get("content", {})
    }


def test_every_operation_declares_the_problems_it_answers(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert {"type", "title", "status", "detail"} <= set(schemas["Problem"]["required"])
    field_error = schemas["Problem"]["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[field_error]["required"]) == {"field", "message"}
    for path, method, operation in operations_of(document):
        label = f"{method} {path}"
        statuses = problem_statuses(operation)
        for status, response in operation["responses"].items():
            if int(status) >= 400 and path.startswith("/api/"):
                ref = response["content"]["application/problem+json"]["schema"]["$ref"]
                assert ref.endswith("/Problem") and "application/json" not in response["content"]
        if not path.startswith("/api/"):
            continue
        assert 503 in statuses, label
        if operation.get("parameters") or operation.get("requestBody"):
            assert 422 in statuses, label
        if "{" in path:
            assert 404 in statuses, label
        if method != "GET":
            assert 409 in statuses, label
        if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
            assert 412 in statuses, label
        if path.startswith(("/api/v1/admin/", "/api/v1/stores/")):
            assert {401, 403} <= statuses, label
        assert 401 not in statuses or "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        # The docs' "Authorize" button: a token is required where its absence is a 401.
        if path.startswith(("/api/v1/admin/", "/api/v1/stores/")):
            assert operation["security"] == [{"bearer": []}], label
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    paths = document["paths"]
    assert {401, 429} <= problem_statuses(paths["/api/v1/auth/login"]["post"])
    assert {401, 429} <= problem_statuses(paths["/api/v1/shop/{store_code}/account/login"]["post"])
    assert 429 in problem_statuses(paths["/api/v1/shop/{store_code}/account/register"]["post"])
    assert 401 not in problem_statuses(paths["/api/v1/shop/{store_code}/products"]["get"])
    assert "security" not in paths["/api/v1/auth/login"]["post"]
    assert paths["/api/v1/shop/{store_code}/cart"]["get"]["security"] == [{"bearer": []}, {}]


def schema_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    return schema_of(document, content["schema"])


def parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p for p in document["paths"][path][method]["parameters"] if p["name"] == name
    )
    return found


def test_the_document_says_what_the_code_enforces(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    stores = "/api/v1/admin/stores"
    key = parameter(document, stores, "post", "Idempotency-Key")
    assert key["in"] == "header" and not key["required"] and key["schema"]["pattern"]
    checkout = parameter(document, "/api/v1/shop/{store_code}/checkout", "post", "Idempotency-Key")
    assert checkout["required"] is True
    if_match = parameter(document, f"{stores}/{{store_id}}", "patch", "If-Match")
    assert if_match["schema"]["pattern"] and "anyOf" not in if_match["schema"]

    store = body_schema(document, stores, "post")["properties"]
    assert "LU" in store["country"]["enum"] and "XX" not in store["country"]["enum"]
    assert "EUR" in store["currency"]["enum"] and "EUX" not in store["currency"]["enum"]
    assert store["code"]["pattern"]
    register = body_schema(document, "/api/v1/shop/{store_code}/account/register", "post")
    assert register["properties"]["email"]["format"] == "email"
    assert register["properties"]["password"]["minLength"] == 10
    accept = body_schema(document, "/api/v1/auth/invitations/accept", "post")
    assert accept["properties"]["password"]["minLength"] == 10
    login = body_schema(document, "/api/v1/auth/login", "post")
    assert login["properties"]["email"]["format"] == "email"

    # Null is refused where leaving the member out keeps its value: the document says so.
    edit = body_schema(document, "/api/v1/stores/{store_id}/products/{product_id}", "patch")
    for name in ("title", "description", "tax_category", "variants"):
        assert "anyOf" not in edit["properties"][name] and name not in edit.get("required", [])
    settings_change = body_schema(document, "/api/v1/stores/{store_id}/settings/commerce", "patch")
    hold = settings_change["properties"]["checkout_hold_minutes"]
    assert (hold["type"], hold["minimum"], hold["maximum"]) == ("integer", 0, 60)
    receive = body_schema(document, "/api/v1/stores/{store_id}/inventory/receive", "post")
    quantity = receive["properties"]["quantity"]
    assert (quantity["minimum"], quantity["maximum"]) == (1, 1_000_000)

    # Every answer has a shape; a document in the examples for the main operations.
    for path, method, operation in operations_of(document):
        for status, response in operation["responses"].items():
            if status.startswith("2") and status not in ("202", "204"):
                # JSON, or another declared type (an invoice's PDF) with its own schema.
                content = response.get("content", {})
                shaped = content.get("application/json") or next(iter(content.values()), {})
                assert shaped.get("schema"), f"{method} {path} {status} has no schema"
    for path, method in [
        (stores, "post"),
        ("/api/v1/stores/{store_id}/products", "post"),
        ("/api/v1/shop/{store_code}/cart/lines", "post"),
        ("/api/v1/shop/{store_code}/checkout", "post"),
    ]:
        assert body_schema(document, path, method).get("examples"), (method, path)
