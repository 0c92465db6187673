"""Idempotency-Key replays, and what concurrent commands do, through HTTP and the application.

Concurrency runs real threads at a barrier, through the TestClient (whose sync endpoints run on
the server's thread pool) or straight into the application layer; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from application.platform import CommandResult
from domain.catalog.errors import SkuTakenError
from domain.shared.errors import ConflictError, PreconditionFailedError
from interfaces.bootstrap import Orion
from tests.builders import Api, random_code, random_sku, variant

T = TypeVar("T")
THREADS = 8
PROBLEM = "application/problem+json"


def header(name: str, value: str) -> dict[str, Any]:
    """One request header, for the builders' ``**headers`` (typed for mypy)."""
    return {name: value}


def all_at_once(n: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(i)`` on ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T | BaseException:
        barrier.wait(timeout=30)
        try:
            return work(i)
        except BaseException as error:  # collected, asserted by the test
            return error

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def products_of(api: Api, store_id: str, position: int, **params: Any) -> list[dict[str, Any]]:
    response = api.get(
        f"/api/v1/stores/{store_id}/products", min_position=position, limit=200, **params
    )
    assert response.headers.get("X-Orion-Consistent") == "true"
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def product_body(sku: str | None = None, title: str = "Idempotent mug") -> dict[str, Any]:
    return {"title": title, "description": "", "variants": [variant(sku)]}


# -- Idempotency-Key ---------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_answer(api: Api, orion: Orion) -> None:
    store = api.create_store()
    url = f"/api/v1/stores/{store['id']}/products"
    body = product_body()
    first = api.post(url, body, expect=201, **header("Idempotency-Key", "create-1"))
    assert "Idempotent-Replayed" not in first.headers
    head = orion.platform.head()

    again = api.post(url, body, expect=201, **header("Idempotency-Key", "create-1"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["version"] == first.json()["version"] == 1
    # The replay's position lets the client read its own write.
    assert again.json()["position"] >= first.json()["position"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert orion.platform.head() == head, "a replay wrote events"

    items = products_of(api, store["id"], again.json()["position"])
    assert [p["id"] for p in items] == [first.json()["id"]]


def test_replay_answers_as_at_first_even_after_later_changes(api: Api, orion: Orion) -> None:
    store = api.create_store()
    url = f"/api/v1/stores/{store['id']}/products"
    body = product_body()
    first = api.post(url, body, expect=201, **header("Idempotency-Key", "k")).json()
    api.publish(store["id"], first["id"])
    head = orion.platform.head()
    again = api.post(url, body, expect=201, **header("Idempotency-Key", "k"))
    assert again.json()["id"] == first["id"] and again.json()["version"] == 1
    assert orion.platform.head() == head


@pytest.mark.parametrize("kind", ["create-product", "edit-product", "publish", "create-store"])
def test_replays_of_every_command_kind_write_nothing(api: Api, orion: Orion, kind: str) -> None:
    store = api.create_store()
    products = f"/api/v1/stores/{store['id']}/products"
    product = api.create_product(store["id"]).json()
    send: Callable[[], Any]
    if kind == "create-product":
        body = product_body()
        send = lambda: api.post(products, body, **header("Idempotency-Key", kind))  # noqa: E731
    elif kind == "edit-product":
        url = f"{products}/{product['id']}"
        send = lambda: api.patch(url, {"title": "Edited"}, **header("Idempotency-Key", kind))  # noqa: E731
    elif kind == "publish":
        url = f"{products}/{product['id']}/publish"
        send = lambda: api.post(url, None, **header("Idempotency-Key", kind))  # noqa: E731
    else:
        body = {"code": random_code(), "name": "S", "country": "LU", "currency": "EUR"}
        send = lambda: api.post("/api/v1/admin/stores", body, **header("Idempotency-Key", kind))  # noqa: E731
    first = send()
    assert first.status_code in (200, 201), first.text
    head = orion.platform.head()
    for _ in range(3):
        again = send()
        assert again.status_code == first.status_code, again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert (again.json()["id"], again.json()["version"]) == (
            first.json()["id"],
            first.json()["version"],
        )
    assert orion.platform.head() == head


def test_same_key_other_body_is_refused_and_writes_nothing(api: Api, orion: Orion) -> None:
    store = api.create_store()
    url = f"/api/v1/stores/{store['id']}/products"
    api.post(url, product_body(title="First"), expect=201, **header("Idempotency-Key", "reused"))
    head = orion.platform.head()
    other = api.post(url, product_body(title="Second"), **header("Idempotency-Key", "reused"))
    assert other.status_code in (409, 422), other.text
    assert other.headers["content-type"].startswith(PROBLEM)
    problem = other.json()
    assert problem["status"] == other.status_code
    assert "Idempotency-Key" in [e["field"] for e in problem.get("errors", [])], problem
    assert orion.platform.head() == head


def test_same_key_on_another_route_is_refused(api: Api, orion: Orion) -> None:
    """The key is the client's; reusing it for another product's edit is another request."""
    store = api.create_store()
    products = f"/api/v1/stores/{store['id']}/products"
    a, b = (api.create_product(store["id"]).json() for _ in range(2))
    api.patch(f"{products}/{a['id']}", {"title": "T"}, expect=200, **header("Idempotency-Key", "e"))
    head = orion.platform.head()
    other = api.patch(f"{products}/{b['id']}", {"title": "T"}, **header("Idempotency-Key", "e"))
    assert other.status_code in (409, 422), other.text
    assert orion.platform.head() == head
    unchanged = api.get(f"{products}/{b['id']}", min_position=head).json()
    assert unchanged["title"] == "A product" and unchanged["version"] == 1


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrent_retries_through_http_create_one_product(
    api: Api, client: TestClient, orion: Orion
) -> None:
    store = api.create_store()
    url = f"/api/v1/stores/{store['id']}/products"
    body = product_body()
    headers = {**api.headers, "Idempotency-Key": "retry-storm"}
    head = orion.platform.head()

    responses = all_at_once(THREADS, lambda _: client.post(url, json=body, headers=headers))
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert statuses == [201] * THREADS, [getattr(r, "text", r) for r in responses]
    answers = {(r.json()["id"], r.json()["version"]) for r in responses}  # type: ignore[union-attr]
    assert len(answers) == 1, answers
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]  # type: ignore[union-attr]
    assert replayed.count(None) == 1 and replayed.count("true") == THREADS - 1

    position = max(r.json()["position"] for r in responses)  # type: ignore[union-attr]
    items = products_of(api, store["id"], position)
    assert [p["id"] for p in items] == [answers.pop()[0]]
    # One command's events: the product, its SKU claim and the idempotency record.
    events = orion.app.recorder.select_notifications(head + 1, 100)
    assert len(events) == 3, [e.topic for e in events]


def test_concurrent_retries_in_the_application_create_one_product(orion: Orion) -> None:
    stores_ctx = CommandContext(actor="admin:test")
    store = orion.stores.register(
        stores_ctx, code=random_code(), name="S", country="LU", currency="EUR", locale="en"
    )
    ctx = CommandContext(
        actor="admin:test", idempotency_key="app-retry", request_fingerprint="same-request"
    )
    sku = random_sku()
    head = orion.platform.head()

    def create(_: int) -> CommandResult:
        return orion.catalog.create_product(
            ctx, store.id, title="Mug", variants=[variant(sku)], product_id=uuid4()
        )

    results = all_at_once(THREADS, create)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    ok = [r for r in results if isinstance(r, CommandResult)]
    assert len({r.id for r in ok}) == 1, {r.id for r in ok}
    assert sum(not r.replayed for r in ok) == 1
    events = orion.app.recorder.select_notifications(head + 1, 100)
    created = [e for e in events if e.topic.endswith("Product.Created")]
    assert len(created) == 1, [e.topic for e in events]


class GatedClock:
    """Holds the first ``now()`` of the thread named ``late``: that command has passed its
    idempotency check but not yet decided. The test lets the same command commit meanwhile."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.arrived = threading.Event()
        self.release = threading.Event()

    def now(self) -> Any:
        if threading.current_thread().name == "late" and not self.arrived.is_set():
            self.arrived.set()
            assert self.release.wait(10)
        return self.inner.now()


@pytest.mark.parametrize("command", ["create-product", "register-store", "publish", "edit"])
def test_a_retry_that_loses_the_race_still_gets_the_first_answer(
    orion: Orion, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Deterministic form of the retry storm: the late retry decides after the first commit.

    It must answer as the first did (replayed), not with the business error that the first
    command's own effect now causes (SKU taken, code taken, already published, stale version).
    """
    setup = CommandContext(actor="admin:test")
    code = random_code()
    store = orion.stores.register(
        setup, code=random_code(), name="S", country="LU", currency="EUR", locale="en"
    )
    product = orion.catalog.create_product(setup, store.id, title="P", variants=[variant()])
    ctx = CommandContext(actor="admin:test", idempotency_key="k", request_fingerprint="same")
    sku = random_sku()
    runs: dict[str, Callable[[], CommandResult]] = {
        "create-product": lambda: orion.catalog.create_product(
            ctx, store.id, title="Mug", variants=[variant(sku)]
        ),
        "register-store": lambda: orion.stores.register(
            ctx, code=code, name="S", country="LU", currency="EUR", locale="en"
        ),
        "publish": lambda: orion.catalog.publish(ctx, store.id, product.id, expected_version=1),
        "edit": lambda: orion.catalog.edit_product(
            ctx, store.id, product.id, expected_version=1, title="Edited"
        ),
    }
    run = runs[command]
    gate = GatedClock(orion.platform.clock)
    monkeypatch.setattr(orion.platform, "clock", gate)
    outcome: dict[str, Any] = {}

    def late() -> None:
        try:
            outcome["late"] = run()
        except BaseException as error:
            outcome["late"] = error

    thread = threading.Thread(target=late, name="late")
    thread.start()
    assert gate.arrived.wait(10)
    first = run()
    head = orion.platform.head()
    gate.release.set()
    thread.join(10)
    answer = outcome["late"]
    assert isinstance(answer, CommandResult), repr(answer)
    assert (answer.id, answer.version, answer.replayed) == (first.id, first.version, True)
    assert orion.platform.head() == head


def test_concurrent_creates_with_one_sku_let_exactly_one_win(
    api: Api, client: TestClient, orion: Orion
) -> None:
    store = api.create_store()
    url = f"/api/v1/stores/{store['id']}/products"
    sku = random_sku()

    def create(i: int) -> Any:
        # The same SKU, spelled in either case: SKUs compare case-insensitively.
        body = product_body(sku if i % 2 else sku.lower(), title=f"Contender {i}")
        return client.post(url, json=body, headers=api.headers)

    responses = all_at_once(THREADS, create)
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == Counter({201: 1, 409: THREADS - 1}), [
        getattr(r, "text", r) for r in responses
    ]
    for r in responses:
        if r.status_code == 409:  # type: ignore[union-attr]
            assert r.json()["type"].endswith("/sku_taken"), r.text  # type: ignore[union-attr]
            assert r.headers["content-type"].startswith(PROBLEM)  # type: ignore[union-attr]
    winner = next(r for r in responses if r.status_code == 201)  # type: ignore[union-attr]
    items = products_of(api, store["id"], winner.json()["position"])  # type: ignore[union-attr]
    assert [p["id"] for p in items] == [winner.json()["id"]]  # type: ignore[union-attr]
    assert api.get(url, sku=sku).json()["items"][0]["id"] == winner.json()["id"]  # type: ignore[union-attr]


def test_concurrent_creates_with_one_sku_in_the_application(orion: Orion) -> None:
    ctx = CommandContext(actor="admin:test")
    store = orion.stores.register(
        ctx, code=random_code(), name="S", country="LU", currency="EUR", locale="en"
    )
    sku = random_sku()
    results = all_at_once(
        THREADS,
        lambda i: orion.catalog.create_product(
            ctx, store.id, title=f"P{i}", variants=[variant(sku)]
        ),
    )
    ok = [r for r in results if isinstance(r, CommandResult)]
    taken = [r for r in results if isinstance(r, SkuTakenError)]
    assert len(ok) == 1 and len(taken) == THREADS - 1, results


def test_concurrent_store_registrations_with_one_code(api: Api, client: TestClient) -> None:
    code = random_code()

    def register(i: int) -> Any:
        body = {
            "code": code.upper() if i % 2 else code,
            "name": f"Store {i}",
            "country": "LU",
            "currency": "EUR",
        }
        return client.post("/api/v1/admin/stores", json=body, headers=api.headers)

    responses = all_at_once(THREADS, register)
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == Counter({201: 1, 409: THREADS - 1}), [
        getattr(r, "text", r) for r in responses
    ]
    for r in responses:
        if r.status_code == 409:  # type: ignore[union-attr]
            assert r.json()["type"].endswith("/store_code_taken"), r.text  # type: ignore[union-attr]


@pytest.mark.parametrize("command", ["edit", "publish"])
def test_concurrent_commands_with_one_if_match(
    api: Api, client: TestClient, orion: Orion, command: str
) -> None:
    store = api.create_store()
    product = api.create_product(store["id"]).json()
    url = f"/api/v1/stores/{store['id']}/products/{product['id']}"
    headers = {**api.headers, "If-Match": f'"{product["version"]}"'}

    def send(i: int) -> Any:
        if command == "edit":
            return client.patch(url, json={"title": f"Edit {i}"}, headers=headers)
        return client.post(f"{url}/publish", headers=headers)

    responses = all_at_once(2, send)
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses in ([200, 409], [200, 412]), [getattr(r, "text", r) for r in responses]
    loser = next(r for r in responses if r.status_code != 200)  # type: ignore[union-attr]
    assert loser.headers["content-type"].startswith(PROBLEM)  # type: ignore[union-attr]
    winner = next(r for r in responses if r.status_code == 200)  # type: ignore[union-attr]
    assert winner.json()["version"] == 2  # type: ignore[union-attr]
    current = api.get(url, min_position=winner.json()["position"]).json()  # type: ignore[union-attr]
    assert current["version"] == 2


def test_many_concurrent_edits_with_one_if_match_in_the_application(orion: Orion) -> None:
    ctx = CommandContext(actor="admin:test")
    store = orion.stores.register(
        ctx, code=random_code(), name="S", country="LU", currency="EUR", locale="en"
    )
    product = orion.catalog.create_product(ctx, store.id, title="P", variants=[variant()])
    results = all_at_once(
        THREADS,
        lambda i: orion.catalog.edit_product(
            ctx, store.id, product.id, expected_version=1, title=f"Edit {i}"
        ),
    )
    ok = [r for r in results if isinstance(r, CommandResult)]
    lost = [r for r in results if isinstance(r, ConflictError | PreconditionFailedError)]
    assert len(ok) == 1 and len(lost) == THREADS - 1, results
    assert orion.catalog.get_product(store.id, product.id).version == 2


def test_concurrent_edits_without_if_match_all_apply(api: Api, client: TestClient) -> None:
    """Without If-Match, last writer wins, but no edit is lost silently: each one is an event,
    and a writer that loses a race at the store is told (409), never answered 5xx."""
    store = api.create_store()
    product = api.create_product(store["id"]).json()
    url = f"/api/v1/stores/{store['id']}/products/{product['id']}"
    responses = all_at_once(
        4, lambda i: client.patch(url, json={"description": f"D{i}"}, headers=api.headers)
    )
    statuses = [getattr(r, "status_code", repr(r)) for r in responses]
    assert all(s in (200, 409) for s in statuses), [getattr(r, "text", r) for r in responses]
    ok = [r for r in responses if r.status_code == 200]  # type: ignore[union-attr]
    assert ok
    position = max(r.json()["position"] for r in ok)  # type: ignore[union-attr]
    final = api.get(url, min_position=position).json()
    assert final["version"] == 1 + len(ok)


def test_concurrent_creates_in_many_stores_all_succeed(api: Api, client: TestClient) -> None:
    stores = [api.create_store() for _ in range(4)]
    responses = all_at_once(
        THREADS,
        lambda i: client.post(
            f"/api/v1/stores/{stores[i % 4]['id']}/products",
            json=product_body(),
            headers=api.headers,
        ),
    )
    assert [getattr(r, "status_code", repr(r)) for r in responses] == [201] * THREADS, [
        getattr(r, "text", r) for r in responses
    ]
    ids = {UUID(r.json()["id"]) for r in responses}  # type: ignore[union-attr]
    assert len(ids) == THREADS
