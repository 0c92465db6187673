"""The VAT return and OSS figures through HTTP, on both backends: per regime and rate (and per
member state of destination for OSS), the sums of the invoices issued in the period; a credit
note counts, negative, in the period it is issued, so that a full credit brings a period that
holds both back to zero; the same rows as CSV; bad periods are 422s naming the parameter.

The clock is set: invoices on 29 September 2026 (Q3), a credit note on 2 October (Q4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api.app import create_app
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.builders import Api
from tests.conftest import ADMIN_TOKEN
from tests.integration.api.test_invoices import (
    BOOK,
    BUYER_VAT,
    SETTINGS,
    TEA,
    Shop,
    buy,
    open_shop,
    pay,
)
from tests.integration.api.test_shop_account import field_error

Q3_DAY = datetime(2026, 9, 29, 10, 0, tzinfo=UTC)


class SetClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        self.at += timedelta(milliseconds=1)
        return self.at


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, SetClock, Api]]:
    clock = SetClock(Q3_DAY)
    orion = bootstrap(settings, clock=clock)
    try:
        app = create_app(orion, run_projections=True)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield orion, clock, Api(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    finally:
        orion.close()


def expected_vat(taxes: list[dict[str, Any]], sign: int = 1) -> dict[tuple[str, str], list[int]]:
    """(regime, rate) -> [taxable, vat], summed from the orders' tax results."""
    rows: dict[tuple[str, str], list[int]] = {}
    for tax in taxes:
        for entry in tax["breakdown"]:
            figures = rows.setdefault((tax["regime"], entry["rate"]), [0, 0])
            figures[0] += sign * entry["taxable"]
            figures[1] += sign * entry["vat"]
    return rows


def vat_rows(body: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    return {(r["regime"], r["rate"]): [r["taxable"], r["vat"]] for r in body["rows"]}


def oss_rows(body: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    return {(r["country"], r["rate"]): [r["taxable"], r["vat"]] for r in body["rows"]}


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def issue(api: Api, shop: Shop, order_id: Any) -> dict[str, Any]:
    made: dict[str, Any] = api.post(shop.url("orders", str(order_id), "invoice"), expect=201).json()
    return made


def test_vat_and_oss_figures_follow_the_invoices_and_their_credit_notes(
    clocked: tuple[Orion, SetClock, Api],
) -> None:
    orion, clock, api = clocked
    shop = open_shop(orion, api, settings={**SETTINGS, "issue_on_payment": False})
    placed = {
        "domestic": buy(orion, shop, {BOOK: 2, TEA: 1}, country="LU", postal_code="L-1234"),
        "france": buy(orion, shop, {BOOK: 1, TEA: 2}),
        "germany": buy(orion, shop, {TEA: 3}, country="DE", postal_code="10115", city="Berlin"),
        "business": buy(orion, shop, {TEA: 2}, company="Curie SA", vat_number=BUYER_VAT),
    }
    for order in placed.values():
        pay(api, shop, order)
    invoices = {name: issue(api, shop, order.order_id) for name, order in placed.items()}
    taxes = {name: order.order.tax or {} for name, order in placed.items()}
    assert {tax["regime"] for tax in taxes.values()} == {
        "domestic",
        "eu_b2c_destination",
        "intra_eu_b2b",
    }
    last = max(i["position"] for i in invoices.values())
    september = {"from": "2026-09-01", "to": "2026-09-30", "min_position": last}

    report = api.get(shop.url("reports/vat"), **september).json()
    assert (report["from"], report["to"], report["currency"]) == (
        "2026-09-01",
        "2026-09-30",
        "EUR",
    )
    assert vat_rows(report) == expected_vat(list(taxes.values()))
    assert report["vat"] == sum(tax["vat"] for tax in taxes.values())
    assert report["taxable"] == sum(tax["net"] for tax in taxes.values())
    assert (
        api.get(shop.url("reports/vat"), **{"from": "2026-08-01", "to": "2026-08-31"}).json()[
            "rows"
        ]
        == []
    )

    oss = api.get(shop.url("reports/oss"), quarter="2026-Q3").json()
    assert (oss["quarter"], oss["from"], oss["to"]) == ("2026-Q3", "2026-07-01", "2026-09-30")
    destination = [taxes["france"], taxes["germany"]]
    assert oss_rows(oss) == {
        (tax["buyer_country"], entry["rate"]): [entry["taxable"], entry["vat"]]
        for tax in destination
        for entry in tax["breakdown"]
    }
    assert {row["country"] for row in oss["rows"]} == {"FR", "DE"}

    # As CSV: the same rows.
    as_csv = csv_rows(api.get(shop.url("reports/vat"), format="csv", **september))
    assert {
        (r["regime"], r["rate"]): [int(r["taxable"]), int(r["vat"])] for r in as_csv
    } == vat_rows(report)
    oss_csv = csv_rows(api.get(shop.url("reports/oss"), quarter="2026-Q3", format="csv"))
    assert [r["country"] for r in oss_csv] == [r["country"] for r in oss["rows"]]

    # In October, France's invoice is credited in full: the credit note counts in Q4.
    clock.at = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    credit = shop.url("invoices", invoices["france"]["invoice_id"], "credit-notes")
    note = api.post(credit, {"reason": "returned"}, expect=201).json()
    assert note["issue_date"] == "2026-10-02"

    fresh = {"min_position": note["position"]}
    assert vat_rows(api.get(shop.url("reports/vat"), **september).json()) == vat_rows(report)
    october = api.get(
        shop.url("reports/vat"), **{"from": "2026-10-01", "to": "2026-10-31"}, **fresh
    ).json()
    assert vat_rows(october) == expected_vat([taxes["france"]], sign=-1)
    both = api.get(shop.url("reports/vat"), **{"from": "2026-09-01", "to": "2026-10-31"}).json()
    for key in expected_vat([taxes["france"]]):
        rest = expected_vat([t for n, t in taxes.items() if n != "france"]).get(key, [0, 0])
        assert vat_rows(both)[key] == rest, key  # France's figures are back to zero
    assert oss_rows(api.get(shop.url("reports/oss"), quarter="2026-Q3").json()) == oss_rows(oss)
    q4 = api.get(shop.url("reports/oss"), quarter="2026-Q4").json()
    assert oss_rows(q4) == {
        ("FR", entry["rate"]): [-entry["taxable"], -entry["vat"]]
        for entry in taxes["france"]["breakdown"]
    }


def test_bad_periods_are_422s_naming_the_parameter(orion: Orion, api: Api) -> None:
    shop = open_shop(orion, api)
    vat = shop.url("reports/vat")
    assert field_error(api.get(vat, expect=None, to="2026-01-31"))[0] == "from"
    assert (
        field_error(api.get(vat, expect=None, **{"from": "2026-02-01", "to": "2026-01-31"}))[0]
        == "to"
    )
    assert (
        field_error(api.get(vat, expect=None, **{"from": "2026-1-1", "to": "2026-01-31"}))[0]
        == "from"
    )
    assert (
        field_error(
            api.get(vat, expect=None, **{"from": "2026-01-01", "to": "2026-01-31", "format": "xml"})
        )[0]
        == "format"
    )
    oss = shop.url("reports/oss")
    for quarter in ("2026-Q5", "2026Q1", "26-Q1"):
        assert field_error(api.get(oss, expect=None, quarter=quarter))[0] == "quarter"
    assert field_error(api.get(oss, expect=None))[0] == "quarter"
    empty = api.get(oss, quarter="2026-Q1").json()
    assert (empty["rows"], empty["taxable"], empty["vat"], empty["currency"]) == ([], 0, 0, None)
    unknown = f"/api/v1/stores/{'0' * 8}-0000-0000-0000-{'0' * 12}/reports/oss"
    assert api.get(unknown, expect=None, quarter="2026-Q1").status_code == 404
