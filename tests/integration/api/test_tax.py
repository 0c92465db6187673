"""A store's tax settings and VAT quotes through HTTP: the settings' round trip (defaults,
normalised VAT number, versions, the store's own member state), who may read and change them,
a quote under every regime (VIES asked, through the real client, of a local VIES server: a
registered number, one it does not know, a member state that is down, a number stdnum refuses),
and bad input named by its field."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.context import CommandContext
from domain.tax.rounding import vat_in_gross
from interfaces.bootstrap import Orion
from interfaces.settings import Settings
from tests.fakes.vies_server import FakeVies, vies_server
from tests.integration.api.test_shop_account import bearer, field_error, register

ADMIN = CommandContext(actor="platform_admin:test")
LU_NUMBER = "LU26375245"
DE_NUMBER = "DE136695976"  # registered at the local VIES
FR_NUMBER = "FR40303265045"  # valid check digits, unknown to the local VIES
IT_NUMBER = "IT00743110157"  # Italy's VIES is down
DE_STDNUM_INVALID = "DE136695975"


def local_vies() -> AbstractContextManager[FakeVies]:
    """The local VIES: it knows DE_NUMBER; Italy's service is down."""
    registered = {DE_NUMBER: ("Beispiel GmbH", "Hauptstr. 1, 10115 Berlin")}
    return vies_server(FakeVies(registered=registered, unavailable={"IT"}))


def asking(settings: Settings, vies: FakeVies) -> Settings:
    return settings.model_copy(update={"vies_url": vies.url, "vies_timeout_seconds": 5.0})


@pytest.fixture
def vies() -> Iterator[FakeVies]:
    with local_vies() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, vies: FakeVies) -> Settings:
    return asking(settings, vies)


def open_store(orion: Orion, country: str = "LU") -> tuple[UUID, str]:
    code = f"tx{secrets.token_hex(4)}"
    store_id = orion.stores.register(
        ADMIN, code=code, name="Tax Shop", country=country, currency="EUR", locale="fr_LU"
    ).id
    return store_id, code


@pytest.fixture
def store(orion: Orion) -> UUID:
    return open_store(orion)[0]


def settings_url(store_id: UUID | str) -> str:
    return f"/api/v1/stores/{store_id}/settings/tax"


def quote_url(store_id: UUID | str) -> str:
    return f"/api/v1/stores/{store_id}/tax/quote"


# -- settings -------------------------------------------------------------------------------------


def test_settings_round_trip(
    client: TestClient, store: UUID, admin_headers: dict[str, str]
) -> None:
    url = settings_url(store)
    first = client.get(url, headers=admin_headers)
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"0"'
    assert first.json() == {
        "vat_number": None,
        "prices_include_vat": True,
        "oss_opt_in": False,
        "vies_check": False,
        "cross_border_b2c_sales": {
            "previous_year": 0,
            "current_year_before_orion": 0,
            "year": None,
        },
    }

    changed = client.patch(
        url,
        json={
            "vat_number": "lu 2637 5245",
            "vies_check": True,
            "cross_border_b2c_sales": {"current_year_before_orion": 420_000},
        },
        headers={**admin_headers, "If-Match": '"0"'},
    )
    assert changed.status_code == 200, changed.text
    version = changed.json()["version"]
    assert changed.headers["ETag"] == f'"{version}"'

    again = client.patch(
        url,
        json={"prices_include_vat": False, "cross_border_b2c_sales": {"previous_year": 5}},
        headers={**admin_headers, "If-Match": f'"{version}"'},
    )
    assert again.status_code == 200, again.text
    seen = client.get(url, headers=admin_headers)
    assert seen.headers["ETag"] == f'"{again.json()["version"]}"'
    assert seen.json() == {
        "vat_number": LU_NUMBER,
        "prices_include_vat": False,
        "oss_opt_in": False,
        "vies_check": True,
        # Dated with the year they were entered in: next year, 420,000 is last year's.
        "cross_border_b2c_sales": {
            "previous_year": 5,
            "current_year_before_orion": 420_000,
            "year": datetime.now(UTC).year,
        },
    }

    # A stale version changes nothing; null takes the number off.
    stale = client.patch(
        url, json={"oss_opt_in": True}, headers={**admin_headers, "If-Match": f'"{version}"'}
    )
    assert stale.status_code == 412, stale.text
    off = client.patch(url, json={"vat_number": None}, headers=admin_headers)
    assert off.status_code == 200, off.text
    assert client.get(url, headers=admin_headers).json()["vat_number"] is None
    assert client.get(url, headers=admin_headers).json()["oss_opt_in"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vat_number": DE_NUMBER}, "vat_number"),  # not the store's member state's
        ({"vat_number": "LU26375246"}, "vat_number"),  # check digits
        ({"vat_number": 26375245}, "vat_number"),
        ({"prices_include_vat": "yes"}, "prices_include_vat"),
        ({"oss_opt_in": None}, "oss_opt_in"),
        ({"cross_border_b2c_sales": {"previous_year": -1}}, "cross_border_b2c_sales.previous_year"),
        ({"cross_border_b2c_sales": {"this_year": 1}}, "cross_border_b2c_sales.this_year"),
        ({"currency": "EUR"}, "currency"),
        ({}, "body"),
    ],
)
def test_bad_settings_name_the_field_and_write_nothing(
    client: TestClient,
    orion: Orion,
    store: UUID,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    head = orion.platform.head()

    response = client.patch(settings_url(store), json=body, headers=admin_headers)

    assert field_error(response)[0] == field
    assert orion.platform.head() == head


def test_settings_of_an_unknown_store_are_not_found(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    missing = uuid4()
    assert client.get(settings_url(missing), headers=admin_headers).status_code == 404
    patched = client.patch(settings_url(missing), json={"oss_opt_in": True}, headers=admin_headers)
    assert patched.status_code == 404
    quoted = client.post(quote_url(missing), json=quote_body("LU"), headers=admin_headers)
    assert quoted.status_code == 404


def test_a_customer_may_not_see_the_store_s_tax_settings(client: TestClient, orion: Orion) -> None:
    store_id, code = open_store(orion)
    customer = register(client, code, f"ada.{secrets.token_hex(4)}@example.org")
    headers = bearer(customer["access_token"])

    assert client.get(settings_url(store_id), headers=headers).status_code in (401, 403, 404)
    assert client.get(settings_url(store_id)).status_code == 401
    quoted = client.post(quote_url(store_id), json=quote_body("LU"), headers=headers)
    assert quoted.status_code in (401, 403, 404)


# -- quotes ---------------------------------------------------------------------------------------


def quote_body(country: str, vat_number: str | None = None, **extra: Any) -> dict[str, Any]:
    buyer: dict[str, Any] = {"country": country}
    if vat_number is not None:
        buyer["vat_number"] = vat_number
    return {
        "buyer": buyer,
        "lines": [
            {"tax_category": "books", "unit_price": 1_030, "quantity": 2},
            {"tax_category": "standard", "unit_price": 1_170, "quantity": 1},
        ],
        **extra,
    }


def quoted(client: TestClient, store_id: UUID, headers: dict[str, str], **body: Any) -> Any:
    response = client.post(quote_url(store_id), json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def lu_shop(client: TestClient, store: UUID, admin_headers: dict[str, str]) -> UUID:
    """A Luxembourg store with its VAT number that checks buyers' numbers with VIES."""
    response = client.patch(
        settings_url(store),
        json={"vat_number": LU_NUMBER, "vies_check": True},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    return store


def test_a_domestic_quote_holds_luxembourg_s_vat_per_rate(
    client: TestClient, orion: Orion, lu_shop: UUID, admin_headers: dict[str, str]
) -> None:
    head = orion.platform.head()

    answer = quoted(client, lu_shop, admin_headers, **quote_body("LU", shipping=490))

    # Shipping shared by the lines' amounts: 177 at 17%, 313 at 3% (see the engine's tests).
    tea, books = 1_170 + 177, 2_060 + 313
    vat_tea, vat_books = vat_in_gross(tea, Decimal(17)), vat_in_gross(books, Decimal(3))
    assert answer == {
        "regime": "domestic",
        "breakdown": [
            {"rate": "17", "taxable": tea - vat_tea, "vat": vat_tea},
            {"rate": "3", "taxable": books - vat_books, "vat": vat_books},
        ],
        "net": tea + books - vat_tea - vat_books,
        "vat": vat_tea + vat_books,
        "gross": tea + books,
        "mentions": [],
    }
    assert orion.platform.head() == head  # a quote writes nothing


@pytest.mark.parametrize(
    ("country", "number", "regime", "rates", "mentions", "asked"),
    [
        ("FR", None, "eu_b2c_origin", ["17", "3"], [], []),
        ("DE", DE_NUMBER, "intra_eu_b2b", ["0"], ["reverse_charge"], [DE_NUMBER]),
        # VIES does not know it: a consumer's sale.
        ("FR", FR_NUMBER, "eu_b2c_origin", ["17", "3"], [], [FR_NUMBER]),
        # Italy's VIES is down: unverifiable, so a consumer's sale too.
        ("IT", IT_NUMBER, "eu_b2c_origin", ["17", "3"], [], [IT_NUMBER]),
        # stdnum refuses it: VIES is not asked.
        ("DE", DE_STDNUM_INVALID, "eu_b2c_origin", ["17", "3"], [], []),
        ("US", None, "export", ["0"], ["export"], []),
        ("CH", DE_NUMBER, "export", ["0"], ["export"], []),
    ],
)
def test_a_quote_under_each_regime(
    client: TestClient,
    lu_shop: UUID,
    admin_headers: dict[str, str],
    vies: FakeVies,
    country: str,
    number: str | None,
    regime: str,
    rates: list[str],
    mentions: list[str],
    asked: list[str],
) -> None:
    answer = quoted(client, lu_shop, admin_headers, **quote_body(country, number))

    assert answer["regime"] == regime
    assert [r["rate"] for r in answer["breakdown"]] == rates
    assert answer["mentions"] == mentions
    assert vies.asked == asked
    assert answer["gross"] == answer["net"] + answer["vat"]
    if regime in ("intra_eu_b2b", "export"):
        # 0% from prices with VAT: the prices less Luxembourg's VAT they hold.
        held = vat_in_gross(2_060, Decimal(3)) + vat_in_gross(1_170, Decimal(17))
        assert answer["vat"] == 0 and answer["gross"] == 2_060 + 1_170 - held


def test_vies_is_asked_once_a_day_per_number(
    client: TestClient, lu_shop: UUID, admin_headers: dict[str, str], vies: FakeVies
) -> None:
    for _ in range(3):
        assert quoted(client, lu_shop, admin_headers, **quote_body("DE", DE_NUMBER))["regime"] == (
            "intra_eu_b2b"
        )

    assert vies.asked == [DE_NUMBER]


def test_at_destination_once_opted_in_to_oss_and_at_net_prices(
    client: TestClient, lu_shop: UUID, admin_headers: dict[str, str]
) -> None:
    changed = client.patch(
        settings_url(lu_shop),
        json={"oss_opt_in": True, "prices_include_vat": False},
        headers=admin_headers,
    )
    assert changed.status_code == 200, changed.text

    answer = quoted(client, lu_shop, admin_headers, **quote_body("FR"))

    assert answer["regime"] == "eu_b2c_destination"
    # France: 20% standard, 5.5% on books; VAT added to the net prices.
    assert answer["breakdown"] == [
        {"rate": "20", "taxable": 1_170, "vat": 234},
        {"rate": "5.5", "taxable": 2_060, "vat": 113},
    ]
    assert answer["gross"] == 2_060 + 1_170 + 234 + 113


def test_every_line_exempt_is_an_exempt_sale(
    client: TestClient, lu_shop: UUID, admin_headers: dict[str, str]
) -> None:
    body = {
        "buyer": {"country": "LU"},
        "lines": [{"tax_category": "exempt", "unit_price": 5_000, "quantity": 1}],
    }

    answer = quoted(client, lu_shop, admin_headers, **body)

    assert answer["regime"] == "exempt" and answer["mentions"] == ["exempt"]
    assert answer["breakdown"] == [{"rate": "0", "taxable": 5_000, "vat": 0}]


def test_a_quote_on_a_day_takes_that_day_s_rates(
    client: TestClient, store: UUID, admin_headers: dict[str, str]
) -> None:
    body = {
        "buyer": {"country": "LU"},
        "lines": [{"tax_category": "standard", "unit_price": 11_600, "quantity": 1}],
    }

    old = quoted(client, store, admin_headers, **body, date="2023-12-31")
    new = quoted(client, store, admin_headers, **body, date="2024-01-01")

    assert old["breakdown"] == [{"rate": "16", "taxable": 10_000, "vat": 1_600}]
    assert new["breakdown"][0]["rate"] == "17"
    assert new["vat"] == vat_in_gross(11_600, Decimal(17))


def line(**fields: Any) -> dict[str, Any]:
    return {"lines": [{"tax_category": "books", "unit_price": 100, "quantity": 1, **fields}]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (line(tax_category="wine"), "lines[0].tax_category"),
        (line(quantity=0), "lines[0].quantity"),
        (line(unit_price=-1), "lines[0].unit_price"),
        (line(unit_price="1"), "lines[0].unit_price"),
        ({"lines": [{"tax_category": "books", "quantity": 1}]}, "lines[0].unit_price"),
        ({"buyer": {"country": "XX"}}, "buyer.country"),
        ({"buyer": {"country": "DE", "vat_number": 12}}, "buyer.vat_number"),
        ({"buyer": {}}, "buyer.country"),
        ({"shipping": -5}, "shipping"),
        ({"date": "2022-12-31"}, "date"),
        ({"date": "31/12/2026"}, "date"),
        ({"discount": 5}, "discount"),
    ],
)
def test_a_bad_quote_names_the_field(
    client: TestClient,
    store: UUID,
    admin_headers: dict[str, str],
    change: dict[str, Any],
    field: str,
) -> None:
    response = client.post(
        quote_url(store), json={**quote_body("LU"), **change}, headers=admin_headers
    )

    assert field_error(response)[0] == field
