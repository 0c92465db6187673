"""Tenant isolation, exhaustively: every route in the OpenAPI spec, called by each kind of
principal of store A (a member, an API key, a customer) against the resources of store B,
must answer 401, 403 or 404, and write nothing.

Routes are classified below; a route that is in none of the classes fails the test, so a new
route cannot slip past the walk unexamined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from interfaces.bootstrap import Orion

ADMIN = CommandContext(actor="platform_admin:test")
ANON = CommandContext(actor="anonymous:-")
PASSWORD = "isolation passphrase 1"

# Public by design: anyone may read a shop's catalogue, sign up or sign in at a shop, or ask
# for a password reset. They hold no store-private data (the tests of each flow check that).
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/v1/shop/{store_code}/products"),
    ("GET", "/api/v1/shop/{store_code}/products/{product_id}"),
    ("POST", "/api/v1/shop/{store_code}/account/register"),
    ("POST", "/api/v1/shop/{store_code}/account/login"),
    ("POST", "/api/v1/shop/{store_code}/account/refresh"),
    ("POST", "/api/v1/shop/{store_code}/account/password-reset/request"),
    ("POST", "/api/v1/shop/{store_code}/account/password-reset/confirm"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/password-reset/request"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/auth/invitations/accept"),
}
# About the caller only (their own profile and session): no other store's resource in them.
SELF = re.compile(r"^/api/v1/auth/(me|logout)(/|$)")


@dataclass
class World:
    a_id: UUID
    b_id: UUID
    b_code: str
    ids_b: dict[str, str]
    principals: dict[str, dict[str, str]]


def _member_token(orion: Orion, store_id: UUID, email: str, role: str) -> str:
    orion.teams.invite(ADMIN, store_id, email=email, role=role, by_role=None)
    team = orion.teams.team(store_id)
    assert team is not None
    invitation_id = next(i for i, inv in team.invitations.items() if inv["status"] == "pending")
    token = orion.teams.invitation_token(store_id, invitation_id)
    return orion.teams.accept(ANON, token=token, password=PASSWORD, name="Member").access_token


def build_world(orion: Orion) -> World:
    a = orion.stores.register(
        ADMIN, code="alpha", name="Alpha", country="LU", currency="EUR", locale="fr_LU"
    )
    b = orion.stores.register(
        ADMIN, code="beta", name="Beta", country="DE", currency="EUR", locale="de_DE"
    )
    member_a = _member_token(orion, a.id, "owner@alpha.example", "owner")
    key_a = orion.teams.create_api_key(ADMIN, a.id, name="erp", role="owner", by_role=None).token
    customer_a = orion.customers.register(
        ANON, a.id, email="shopper@alpha.example", password=PASSWORD, first_name="Ann"
    ).access_token

    # Store B's resources, one of each kind.
    _member_token(orion, b.id, "owner@beta.example", "owner")
    team_b = orion.teams.team(b.id)
    assert team_b is not None
    member_b = next(iter(team_b.members))
    orion.teams.invite(ADMIN, b.id, email="pending@beta.example", role="staff", by_role=None)
    team_b = orion.teams.team(b.id)
    assert team_b is not None
    invitation_b = next(i for i, v in team_b.invitations.items() if v["status"] == "pending")
    key_b = orion.teams.create_api_key(ADMIN, b.id, name="pos", role="viewer", by_role=None)
    customer_b = orion.customers.register(
        ANON, b.id, email="shopper@beta.example", password=PASSWORD, first_name="Bea"
    ).account_id
    orion.customers.add_address(
        ADMIN,
        b.id,
        customer_b,
        address={
            "first_name": "Bea",
            "last_name": "B",
            "line1": "1 Hauptstr.",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
    )
    address_b = next(iter(orion.customers.get(b.id, customer_b).addresses))
    product_b = orion.catalog.create_product(
        ADMIN,
        b.id,
        title="Beta secret",
        variants=[{"sku": "B-1", "price": {"amount": 1000, "currency": "EUR"}}],
    ).id
    orion.inventory.receive(ADMIN, b.id, sku="B-1", quantity=5)
    _, location_b = orion.inventory.add_location(ADMIN, b.id, code="back", name="Back")
    _, rate_b = orion.shipping.set_rate(
        ADMIN, b.id, spec={"name": "Post", "kind": "flat", "amount": 490}
    )
    # An order of B's customer (shipped to their saved address), for the order routes.
    orion.catalog.publish(ADMIN, b.id, product_b)
    cart_b = CartRef(customer_id=customer_b)
    orion.carts.add(ADMIN, b.id, cart_b, sku="B-1", quantity=1)
    order_b = orion.checkout.place(
        replace(ADMIN, idempotency_key="world-order"),
        b.id,
        cart_b,
        CheckoutDetails(shipping_rate_id=rate_b, payment_method="manual"),
        customer_id=customer_b,
    ).order_id
    # B's invoice of that order (issued by hand: B does not issue on payment).
    orion.invoicing.change_settings(
        ADMIN,
        b.id,
        {
            "legal_name": "Beta GmbH",
            "address": {
                "line1": "1 Hauptstr.",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            "issue_on_payment": False,
        },
    )
    invoice_b = orion.invoices.issue_for_order(ADMIN, b.id, order_b).document.id
    ids_b = {
        "rate_id": str(rate_b),
        "order_id": str(order_b),
        "invoice_id": str(invoice_b),
        "sku": "B-1",
        "location_id": str(location_b),
        "store_id": str(b.id),
        "store_code": "beta",
        "product_id": str(product_b),
        "customer_id": str(customer_b),
        "user_id": str(member_b),
        "invitation_id": str(invitation_b),
        "key_id": str(key_b.result.id),
        "address_id": str(address_b),
        "aggregate_id": str(product_b),
        "name": "catalog",
    }
    return World(
        a_id=a.id,
        b_id=b.id,
        b_code="beta",
        ids_b=ids_b,
        principals={
            "member of A": {"Authorization": f"Bearer {member_a}"},
            "API key of A": {"Authorization": f"Bearer {key_a}"},
            "customer of A": {"Authorization": f"Bearer {customer_a}"},
        },
    )


def classify(method: str, path: str) -> str:
    if (method, path) in PUBLIC:
        return "public"
    if SELF.match(path):
        return "self"
    if path.startswith("/api/v1/admin/"):
        return "admin"
    if "{store_id}" in path or "{store_code}" in path:
        return "store"
    return "unclassified"


def operations(client: TestClient) -> dict[tuple[str, str], Any]:
    """(method, path) → a valid request body for it (None when it takes none)."""
    spec: dict[str, Any] = client.get("/openapi.json").json()
    found: dict[tuple[str, str], Any] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = op.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            found[(method.upper(), path)] = example(spec, schema) if schema else None
    return found


def example(spec: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
    """A body that passes validation, so that the route itself must refuse the resource
    (a 422 would hide whether it checked the tenant)."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return example(spec, spec["components"]["schemas"][ref], name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return example(spec, options[0], name)
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(spec, props[k], k) for k in schema.get("required", [])}
    if kind == "array":
        return [example(spec, schema.get("items", {}), name)] if schema.get("minItems") else []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if "email" in name or schema.get("format") == "email":
        return "walker@gamma.example"
    if "password" in name:
        return PASSWORD
    if name == "role":
        return "viewer"
    if name == "country":
        return "LU"
    return "walk"


def fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"the walk does not know the path parameter {{{name}}}: add it"
        return ids[name]

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_route_refuses_store_a_principals_on_store_b(
    orion: Orion, client: TestClient
) -> None:
    world = build_world(orion)
    bodies = operations(client)
    ops = list(bodies)
    unclassified = [op for op in ops if classify(*op) == "unclassified"]
    assert not unclassified, f"classify these routes in the isolation walk: {unclassified}"
    walked = [op for op in ops if classify(*op) in ("store", "admin")]
    assert len(walked) >= 30  # the walk really covers the API

    head = orion.platform.head()
    # B's resources through B's path, and through A's own store path (a member of A asking
    # for B's customer under A's store id must not find it either).
    variants = [world.ids_b, {**world.ids_b, "store_id": str(world.a_id), "store_code": "alpha"}]
    failures: list[str] = []
    for who, headers in world.principals.items():
        for method, template in walked:
            for ids in variants:
                if ids is not world.ids_b and not _has_b_resource(template):
                    continue  # A's own store with no B resource in the path: A's own data
                url = fill(template, ids)
                body = bodies[(method, template)]
                response = client.request(
                    method, url, headers={**headers, "Idempotency-Key": "walk"}, json=body
                )
                if response.status_code not in (401, 403, 404):
                    failures.append(f"{who}: {method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    assert orion.platform.head() == head, "the walk wrote events"


def _has_b_resource(template: str) -> bool:
    names = set(re.findall(r"\{(\w+)\}", template)) - {"store_id", "store_code", "name"}
    return bool(names)


@pytest.mark.parametrize("kind", ["member", "key"])
def test_store_a_principal_still_works_on_store_a(
    orion: Orion, client: TestClient, kind: str
) -> None:
    """The walk's refusals are not a broken principal: the same ones are served at home."""
    world = build_world(orion)
    headers = world.principals["member of A" if kind == "member" else "API key of A"]
    answer = client.get(f"/api/v1/stores/{world.a_id}/products", headers=headers)
    assert answer.status_code == 200, answer.text
