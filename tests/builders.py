"""A thin API client with random references (cosmic's api_client.py and random_refs.py)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient


def random_code(prefix: str = "s") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def random_sku(prefix: str = "SKU") -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def variant(
    sku: str | None = None, amount: int = 1999, currency: str = "EUR", **attributes: str
) -> dict[str, Any]:
    return {
        "sku": sku or random_sku(),
        "price": {"amount": amount, "currency": currency},
        "attributes": attributes,
    }


class Api:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, path: str, json: Any = None, expect: int | None = None, **headers: str) -> Any:
        response = self.client.post(path, json=json, headers={**self.headers, **headers})
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def patch(self, path: str, json: Any = None, expect: int | None = None, **headers: str) -> Any:
        response = self.client.patch(path, json=json, headers={**self.headers, **headers})
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def get(self, path: str, expect: int | None = 200, **params: Any) -> Any:
        response = self.client.get(path, params=params, headers=self.headers)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def create_store(
        self, code: str | None = None, currency: str = "EUR", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "code": code or random_code(),
            "name": "Test store",
            "country": "LU",
            "currency": currency,
        }
        body.update(extra)
        answer: dict[str, Any] = self.post("/api/v1/admin/stores", body, expect=201).json()
        answer["code"] = body["code"]
        return answer

    def create_product(self, store_id: str, expect: int = 201, **fields: Any) -> Any:
        body = {"title": "A product", "description": "", "variants": [variant()]}
        body.update(fields)
        return self.post(f"/api/v1/stores/{store_id}/products", body, expect=expect)

    def publish(self, store_id: str, product_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.post(
            f"/api/v1/stores/{store_id}/products/{product_id}/publish", expect=200
        ).json()
        return result


@pytest.fixture
def api(client: TestClient, admin_headers: dict[str, str]) -> Api:
    return Api(client, admin_headers)


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
