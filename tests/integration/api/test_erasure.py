"""Right to erasure, end to end: once a customer is erased (by the store or by themselves),
their personal data is nowhere: not in any table of the database, not in the event log (it was
never there in clear), not in a replay of the aggregate, not in any answer of the API, not after
a rebuild of the read model; and the e-mail may sign up again as a new, separate account."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, Table, inspect, select

from domain.identity.aggregates import Customer
from interfaces.bootstrap import Orion
from tests.builders import Api
from tests.integration.api.test_shop_account import (
    OTHER_PASSWORD,
    PASSWORD,
    VAT_OK,
    account,
    address,
    bearer,
    login,
    register,
)


def customers(store_id: str) -> str:
    return f"/api/v1/stores/{store_id}/customers"


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def found_in(text: str, needles: list[str]) -> list[str]:
    folded = text.casefold()
    return [n for n in needles if n.casefold() in folded]


def database_holders(orion: Orion, needles: list[str]) -> list[str]:
    """Every ``table.column`` of the database, read models and event store alike, holding one
    of ``needles`` (case-insensitively) in any row."""
    hits: list[str] = []
    with orion.read.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        assert names, "no tables found"
        for name in names:
            table = Table(name, MetaData(), autoload_with=conn)
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    hits += [f"{name}.{column}: {n}" for n in found_in(as_text(value), needles)]
    return hits


def event_log_holders(orion: Orion, needles: list[str]) -> list[str]:
    """The raw stored events (their serialised state, as the recorder keeps it) holding one
    of ``needles``."""
    hits: list[str] = []
    notifications = orion.app.recorder.select_notifications(start=1, limit=1_000_000)
    assert notifications
    for n in notifications:
        hits += [f"{n.id} {n.topic}: {x}" for x in found_in(as_text(n.state), needles)]
    return hits


def wait_for_rebuild(api: Api, name: str, generation: int) -> None:
    """Poll the projection's status (bounded) until the rebuilt generation is live."""
    for _ in range(1200):
        status = api.get(f"/api/v1/admin/projections/{name}").json()
        assert status["rebuild_error"] is None and status["error"] is None, status
        if status["state"] != "rebuilding" and status["generation"] == generation:
            return
        time.sleep(0.05)
    raise AssertionError(f"the rebuild of {name} did not finish: {status}")


@pytest.mark.parametrize("by", ["store", "self"])
def test_erasure_leaves_no_personal_data_anywhere(
    client: TestClient, orion: Orion, api: Api, by: str
) -> None:
    store = api.create_store()
    code, tag = store["code"], secrets.token_hex(4)
    email = f"philippa.{tag}@example.org"
    first, last = f"Philippa{tag}", f"Fawcett{tag}"
    phone = f"+352 691 {secrets.randbelow(900_000) + 100_000}"
    home = address(
        first_name=first,
        last_name=last,
        line1=f"{tag} Boulevard Royal",
        line2=f"Apartment {tag}",
        city=f"Ettelbruck{tag}",
        phone=phone,
    )
    office = address(
        first_name=first,
        last_name=last,
        company=f"Fawcett Consulting {tag}",
        vat_number=VAT_OK,
        line1=f"{tag} Avenue de la Liberte",
        line2=f"Bureau {tag}",
        city=f"Diekirch{tag}",
        default_billing=True,
    )
    needles = [
        email,
        first,
        last,
        phone,
        VAT_OK,
        *(home[k] for k in ("line1", "line2", "city")),
        *(office[k] for k in ("company", "line1", "line2", "city")),
    ]

    made = register(
        client, code, email, first_name=first, last_name=last, phone=phone, marketing_consent=True
    )
    customer_id = made["account_id"]
    me = bearer(made["access_token"])
    for body in (home, office):
        added = client.post(f"{account(code)}/me/addresses", json=body, headers=me)
        assert added.status_code == 201, added.text
    detail = api.get(
        f"{customers(store['id'])}/{customer_id}", min_position=added.json()["position"]
    ).json()
    assert detail["email"] == email and len(detail["addresses"]) == 2
    # The scan sees clear personal data where it legitimately is (the read model, for now)...
    held = database_holders(orion, [email, first, phone])
    assert any(h.startswith("customers") and h.endswith(email) for h in held), held
    # ...and the event log never held any of it: it was sealed before it reached the log.
    assert event_log_holders(orion, needles) == []
    # (The scan reads the events' stored state: their field names are there to be seen.)
    assert event_log_holders(orion, ["email_index"])

    if by == "store":
        erased = api.client.delete(f"{customers(store['id'])}/{customer_id}", headers=api.headers)
        assert erased.status_code == 200, erased.text
        assert erased.json()["id"] == customer_id
    else:
        erased = client.request(
            "DELETE", f"{account(code)}/me", json={"password": PASSWORD}, headers=me
        )
        assert erased.status_code == 204, erased.text
    position = orion.platform.head()
    # The read models have applied the erasure (read-your-writes on the customers' one).
    caught_up = api.get(f"{customers(store['id'])}/{customer_id}", min_position=position)
    assert caught_up.headers["X-Orion-Consistent"] == "true"

    # (a) No table of the database holds any of it; (b) nor does the event log.
    assert database_holders(orion, needles) == []
    assert event_log_holders(orion, needles) == []

    # (c) A replay of the aggregate shows it erased, with nothing readable.
    customer = orion.platform.find(Customer, UUID(customer_id))
    assert customer is not None and customer.status == "erased"
    assert orion.personal.open(customer.id, customer.sealed) is None
    assert all(orion.personal.open(customer.id, s) is None for s in customer.addresses.values())
    audit = f"/api/v1/admin/audit/aggregates/{customer_id}"
    state = api.get(f"{audit}/state")
    assert state.json()["status"] == "erased"
    history = api.get(f"{audit}/events")
    assert history.json()["items"][-1]["event_type"] == "Customer.Erased"
    assert history.json()["items"][-1]["data"]["by"] == by
    assert found_in(state.text + history.text, needles) == []

    # (d) No answer of the API holds any of it.
    assert client.get(f"{account(code)}/me", headers=me).status_code == 401
    assert login(client, code, email).status_code == 401
    refresh = client.post(f"{account(code)}/refresh", json={"refresh_token": made["refresh_token"]})
    assert refresh.status_code == 401
    one = api.get(f"{customers(store['id'])}/{customer_id}", min_position=position)
    assert one.json()["status"] == "erased" and one.json()["addresses"] == []
    searched = api.get(customers(store["id"]), min_position=position, q=email)
    assert searched.json()["items"] == []
    listed = api.get(customers(store["id"]), min_position=position)
    exported = api.get(f"{customers(store['id'])}/{customer_id}/export")
    assert exported.json()["erased"] is True
    answers = [one.text, searched.text, listed.text, exported.text]
    assert found_in(" ".join(answers), needles) == []

    # (e) A rebuild of the read model from the log still shows the person erased.
    rebuild = api.post("/api/v1/admin/projections/customers/rebuild", expect=202).json()
    wait_for_rebuild(api, "customers", rebuild["generation"])
    orion.read.registry.set_live("customers", rebuild["generation"])
    rebuilt = api.get(f"{customers(store['id'])}/{customer_id}")
    assert rebuilt.json()["status"] == "erased" and rebuilt.json()["email"] is None
    assert found_in(rebuilt.text, needles) == []
    assert database_holders(orion, needles) == []

    # (f) The e-mail may sign up again: a new account, unrelated to the erased one.
    again = register(client, code, email, OTHER_PASSWORD, first_name="Pippa")
    assert again["account_id"] != customer_id
    assert login(client, code, email, OTHER_PASSWORD).status_code == 200
    assert login(client, code, email, PASSWORD).status_code == 401
    fresh = client.get(f"{account(code)}/me", headers=bearer(again["access_token"])).json()
    assert fresh["email"] == email and fresh["addresses"] == [] and fresh["phone"] is None
    still = api.get(f"{customers(store['id'])}/{customer_id}", min_position=orion.platform.head())
    assert still.json()["status"] == "erased" and still.json()["email"] is None
