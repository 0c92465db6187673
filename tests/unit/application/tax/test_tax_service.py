"""The tax service on the in-memory world: the store's tax settings (defaults, checks, versions),
VIES asked only when the store wants it and when the verdict matters, its answers kept a day
(and an unanswered check never), the EUR 10,000 threshold crossed through the running figure
of the store's orders (less the cancelled ones), the rates of the day in the store's member
state (midnight), checkout taxed by the engine, quotes and the cart's estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.shared.errors import PreconditionFailedError, ValidationError
from domain.stores.errors import StoreNotFoundError
from domain.tax.errors import InvalidVatNumberError, UnknownCountryError, UnknownTaxCategoryError
from domain.tax.policies import TaxLine, rate_for, vat_number_valid
from domain.tax.rounding import vat_in_gross
from tests.unit.application.world import ADDRESS, World

LU_NUMBER = "LU26375245"
FR_NUMBER = "FR40303265045"
DE_NUMBER = "DE136695976"
BOOK, TEA = "BOOK-1", "TEA-1"
SHIPPING = 490


@pytest.fixture
def world() -> World:
    world = World()
    world.checkout.tax = world.vat  # checkout taxed by the engine, as bootstrap wires it
    return world


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store(country="LU")


def sell(world: World, store_id: UUID, sku: str, amount: int, category: str) -> None:
    made = world.catalog.create_product(
        world.ctx,
        store_id,
        title=sku,
        tax_category=category,
        variants=[{"sku": sku, "price": {"amount": amount, "currency": "EUR"}}],
    )
    world.catalog.publish(world.ctx, store_id, made.id)
    world.inventory.receive(world.ctx, store_id, sku=sku, quantity=1_000)


@pytest.fixture
def shop(world: World, store_id: UUID) -> UUID:
    """A Luxembourg shop with a VAT number: books (3% at home) and tea (standard, 17%)."""
    world.vat.change_settings(world.ctx, store_id, {"vat_number": LU_NUMBER})
    sell(world, store_id, BOOK, 1_030, "books")
    sell(world, store_id, TEA, 1_170, "standard")
    return world.flat_rate(store_id, SHIPPING)


def buy(
    world: World,
    store_id: UUID,
    rate: UUID,
    lines: dict[str, int],
    *,
    country: str = "LU",
    vat_number: str | None = None,
) -> Any:
    billing = {**ADDRESS, "country": country, "company": "Buyer SA"}
    if vat_number:
        billing["vat_number"] = vat_number
    return world.check_out(
        store_id,
        world.guest_cart(store_id, lines),
        rate,
        shipping_address={**ADDRESS, "country": country},
        billing_address=billing,
    ).order


def quote(world: World, store_id: UUID, country: str, vat_number: str | None = None) -> Any:
    return world.vat.quote(
        store_id,
        buyer_country=country,
        buyer_vat_number=vat_number,
        lines=[{"tax_category": "standard", "unit_price": 11_700, "quantity": 1}],
    )


# -- settings -------------------------------------------------------------------------------------


def test_a_store_without_settings_has_the_defaults(world: World, store_id: UUID) -> None:
    assert world.vat.settings(store_id) == {
        "vat_number": None,
        "prices_include_vat": True,
        "oss_opt_in": False,
        "vies_check": False,
        "cross_border_b2c_sales": {
            "previous_year": 0,
            "current_year_before_orion": 0,
            "year": None,
        },
        "version": 0,
    }


def test_settings_change_normalise_the_number_and_keep_what_is_left_out(
    world: World, store_id: UUID
) -> None:
    first = world.vat.change_settings(
        world.ctx,
        store_id,
        {"vat_number": "lu 2637 5245", "cross_border_b2c_sales": {"previous_year": 120_000}},
    )
    second = world.vat.change_settings(
        world.ctx,
        store_id,
        {"oss_opt_in": True, "cross_border_b2c_sales": {"current_year_before_orion": 5}},
        expected_version=first.version,
    )

    settings = world.vat.settings(store_id)
    assert settings["vat_number"] == LU_NUMBER
    assert settings["oss_opt_in"] is True and settings["prices_include_vat"] is True
    assert settings["cross_border_b2c_sales"] == {
        "previous_year": 120_000,
        "current_year_before_orion": 5,
        "year": world.clock.now().year,
    }
    assert settings["version"] == second.version > first.version


def test_the_store_s_vat_number_must_be_of_its_own_country(world: World, store_id: UUID) -> None:
    assert vat_number_valid(DE_NUMBER)  # a good number, of the wrong state

    with pytest.raises(InvalidVatNumberError) as refused:
        world.vat.change_settings(world.ctx, store_id, {"vat_number": DE_NUMBER})

    assert refused.value.field == "vat_number"
    assert world.vat.settings(store_id)["vat_number"] is None


def test_a_number_stdnum_refuses_names_the_field(world: World, store_id: UUID) -> None:
    with pytest.raises(ValidationError) as refused:
        world.vat.change_settings(world.ctx, store_id, {"vat_number": "LU26375246"})

    assert refused.value.field == "vat_number"


def test_the_number_can_be_taken_off(world: World, store_id: UUID) -> None:
    world.vat.change_settings(world.ctx, store_id, {"vat_number": LU_NUMBER})

    world.vat.change_settings(world.ctx, store_id, {"vat_number": None})

    assert world.vat.settings(store_id)["vat_number"] is None


def test_a_stale_version_changes_nothing(world: World, store_id: UUID) -> None:
    with pytest.raises(PreconditionFailedError):
        world.vat.change_settings(world.ctx, store_id, {"vies_check": True}, expected_version=3)
    done = world.vat.change_settings(world.ctx, store_id, {"vies_check": True}, expected_version=0)

    with pytest.raises(PreconditionFailedError):
        world.vat.change_settings(
            world.ctx, store_id, {"vies_check": False}, expected_version=done.version - 1
        )
    assert world.vat.settings(store_id)["vies_check"] is True


def test_an_unknown_store_has_no_settings_to_change(world: World) -> None:
    with pytest.raises(StoreNotFoundError):
        world.vat.change_settings(world.ctx, uuid4(), {"vies_check": True})


# -- checkout taxed by the engine --------------------------------------------------------------


def test_a_luxembourg_order_s_tax_is_the_vat_its_prices_include(
    world: World, store_id: UUID, shop: UUID
) -> None:
    order = buy(world, store_id, shop, {BOOK: 2, TEA: 1})

    # Shipping shared by the lines' amounts: 1170 at 17% and 2060 at 3% take 177 and 313
    # (490 x 1170 / 3230 = 177.49, 490 x 2060 / 3230 = 312.51: the cent left to the larger).
    books, tea = 2 * 1_030 + 313, 1_170 + 177
    vat = vat_in_gross(books, Decimal(3)) + vat_in_gross(tea, Decimal(17))
    assert order.tax["regime"] == "domestic"
    assert order.tax["breakdown"] == [
        {"rate": "17", "taxable": tea - vat_in_gross(tea, Decimal(17)), "vat": 196},
        {"rate": "3", "taxable": books - vat_in_gross(books, Decimal(3)), "vat": 69},
    ]
    assert order.totals["tax"] == vat == 196 + 69
    assert order.total == 2 * 1_030 + 1_170 + SHIPPING  # what the shopper saw is what they pay


def test_a_business_buyer_in_another_state_is_sold_to_at_zero_with_the_mention(
    world: World, store_id: UUID, shop: UUID
) -> None:
    order = buy(world, store_id, shop, {TEA: 1}, country="DE", vat_number=DE_NUMBER)

    assert order.tax["regime"] == "intra_eu_b2b"
    assert order.tax["mentions"] == ["reverse_charge"]
    assert order.tax["buyer_vat_number"] == DE_NUMBER
    assert order.tax["seller_vat_number"] == LU_NUMBER
    # 0%: the price less Luxembourg's VAT it included.
    gross = 1_170 + SHIPPING
    assert order.totals["tax"] == 0
    assert order.total == gross - vat_in_gross(gross, Decimal(17))
    assert world.vies.asked == []  # the store does not check VIES


def test_a_store_outside_the_eu_sells_without_vat(world: World) -> None:
    store_id = world.new_store("usa", country="US")
    world.on_sale(store_id, "CAP-1", amount=2_500)
    rate = world.flat_rate(store_id, SHIPPING)

    order = buy(world, store_id, rate, {"CAP-1": 2}, country="US")

    assert order.totals["tax"] == 0 and order.total == 5_000 + SHIPPING
    assert order.tax["breakdown"] == [{"rate": "0", "taxable": 5_000 + SHIPPING, "vat": 0}]


# -- VIES -----------------------------------------------------------------------------------------


@pytest.fixture
def checks_vies(world: World, store_id: UUID, shop: UUID) -> UUID:
    world.vat.change_settings(world.ctx, store_id, {"vies_check": True})
    return shop


def test_vies_is_asked_only_when_the_store_checks_numbers(
    world: World, store_id: UUID, shop: UUID
) -> None:
    assert quote(world, store_id, "DE", DE_NUMBER).regime == "intra_eu_b2b"
    assert world.vies.asked == []

    world.vat.change_settings(world.ctx, store_id, {"vies_check": True})
    world.vies.registered.add(DE_NUMBER)

    assert quote(world, store_id, "DE", DE_NUMBER).regime == "intra_eu_b2b"
    assert world.vies.asked == [DE_NUMBER]


def test_a_number_vies_does_not_know_is_a_consumer_s_sale(
    world: World, store_id: UUID, checks_vies: UUID
) -> None:
    order = buy(world, store_id, checks_vies, {TEA: 1}, country="DE", vat_number=DE_NUMBER)

    assert world.vies.asked == [DE_NUMBER]
    assert order.tax["regime"] == "eu_b2c_origin" and order.tax["mentions"] == []
    assert order.tax["buyer_vat_number"] is None
    assert order.totals["tax"] == vat_in_gross(1_170 + SHIPPING, Decimal(17))


def test_vies_answers_are_kept_a_day(world: World, store_id: UUID, checks_vies: UUID) -> None:
    world.vies.registered.add(DE_NUMBER)

    first = buy(world, store_id, checks_vies, {TEA: 1}, country="DE", vat_number=DE_NUMBER)
    again = buy(world, store_id, checks_vies, {BOOK: 1}, country="DE", vat_number=DE_NUMBER)
    assert quote(world, store_id, "DE", "de 136 695 976").regime == "intra_eu_b2b"

    assert first.tax["regime"] == again.tax["regime"] == "intra_eu_b2b"
    assert world.vies.asked == [DE_NUMBER]  # once for the three
    world.clock.advance(hours=25)
    assert quote(world, store_id, "DE", DE_NUMBER).regime == "intra_eu_b2b"
    assert world.vies.asked == [DE_NUMBER, DE_NUMBER]


def test_an_unanswered_check_is_a_consumer_s_sale_and_is_asked_again(
    world: World, store_id: UUID, checks_vies: UUID
) -> None:
    world.vies.registered.add(DE_NUMBER)
    world.vies.down = True

    assert quote(world, store_id, "DE", DE_NUMBER).regime == "eu_b2c_origin"
    world.vies.down = False
    assert quote(world, store_id, "DE", DE_NUMBER).regime == "intra_eu_b2b"

    assert world.vies.asked == [DE_NUMBER, DE_NUMBER]


@pytest.mark.parametrize(
    ("country", "number", "regime"),
    [
        ("DE", "DE136695975", "eu_b2c_origin"),  # stdnum refuses it: a consumer's sale
        ("LU", LU_NUMBER, "domestic"),  # at home: no reverse charge whatever VIES says
        ("FR", LU_NUMBER, "eu_b2c_origin"),  # the store's own state's number
        ("CH", DE_NUMBER, "export"),  # outside the EU
    ],
)
def test_vies_is_not_asked_when_its_verdict_would_change_nothing(
    world: World, store_id: UUID, checks_vies: UUID, country: str, number: str, regime: str
) -> None:
    assert quote(world, store_id, country, number).regime == regime
    assert world.vies.asked == []


def test_a_store_without_a_number_never_asks_vies(world: World, store_id: UUID) -> None:
    world.vat.change_settings(world.ctx, store_id, {"vies_check": True})

    assert quote(world, store_id, "DE", DE_NUMBER).regime == "eu_b2c_origin"
    assert world.vies.asked == []


# -- the distance-sales threshold ----------------------------------------------------------------


def test_the_sale_that_crosses_the_threshold_is_taxed_at_destination(
    world: World, store_id: UUID, shop: UUID
) -> None:
    # EUR 9,970 of distance sales this year before Orion: EUR 30 left under the threshold.
    world.vat.change_settings(
        world.ctx,
        store_id,
        {"cross_border_b2c_sales": {"current_year_before_orion": 997_000}},
    )

    under = buy(world, store_id, shop, {TEA: 2}, country="FR")  # 2830 gross: 2419 net
    assert under.tax["regime"] == "eu_b2c_origin"
    assert under.tax["breakdown"][0]["rate"] == "17"
    year = date.fromisoformat(under.tax["supply_date"]).year
    assert world.reads.cross_border_sales(store_id, year) == (0, under.tax["net"])
    assert under.tax["net"] == 2_419

    crossing = buy(world, store_id, shop, {TEA: 2}, country="FR")  # 997,000 + 2 x 2419 > 1M
    assert crossing.tax["regime"] == "eu_b2c_destination"
    assert crossing.tax["breakdown"][0]["rate"] == "20"  # France's
    beyond = buy(world, store_id, shop, {BOOK: 1}, country="FR")
    assert beyond.tax["regime"] == "eu_b2c_destination"
    assert beyond.tax["breakdown"][0]["rate"] == "5.5"  # a book in France
    # At home it is still Luxembourg's VAT.
    assert buy(world, store_id, shop, {TEA: 1}).tax["regime"] == "domestic"


def test_cancelled_orders_come_off_the_running_figure(
    world: World, store_id: UUID, shop: UUID
) -> None:
    world.vat.change_settings(
        world.ctx,
        store_id,
        {"cross_border_b2c_sales": {"current_year_before_orion": 997_000}},
    )
    first = buy(world, store_id, shop, {TEA: 2}, country="FR")
    world.orders.cancel(world.ctx, store_id, first.id, reason="changed my mind")

    second = buy(world, store_id, shop, {TEA: 2}, country="FR")

    # Without the cancelled order the year stays within the threshold.
    assert second.tax["regime"] == "eu_b2c_origin"
    year = date.fromisoformat(second.tax["supply_date"]).year
    assert world.reads.cross_border_sales(store_id, year) == (0, second.tax["net"])


def consumer_abroad(world: World, store_id: UUID, at: datetime) -> Any:
    return world.vat.tax_checkout(
        store_id=store_id,
        store_country="LU",
        lines=[TaxLine("A", "standard", 11_700, 1)],
        shipping=0,
        buyer_country="BE",
        buyer_vat_number=None,
        at=at,
    )


def test_last_year_s_sales_in_orion_count_for_this_year(world: World, store_id: UUID) -> None:
    asked: list[tuple[UUID, int]] = []

    def figures(store: UUID, year: int) -> tuple[int, int]:
        asked.append((store, year))
        return (1_000_001, 0) if year == 2026 else (0, 0)

    world.vat.cross_border = figures

    taxed = consumer_abroad(world, store_id, datetime(2026, 3, 1, 12, tzinfo=UTC))

    assert taxed.regime == "eu_b2c_destination"
    assert asked == [(store_id, 2026)]  # 2025 and 2026, in one read


def test_the_figures_are_read_again_after_a_second(world: World, store_id: UUID) -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    world.reads.asked.clear()

    for moment in (at, at + timedelta(milliseconds=900), at + timedelta(seconds=1)):
        consumer_abroad(world, store_id, moment)

    assert [a for a in world.reads.asked if a[0] == "cross_border_sales"] == [
        ("cross_border_sales", (store_id, 2026)),
        ("cross_border_sales", (store_id, 2026)),
    ]


def test_the_figure_is_not_read_when_it_cannot_matter(world: World, store_id: UUID) -> None:
    world.vat.change_settings(world.ctx, store_id, {"oss_opt_in": True})
    world.reads.asked.clear()

    assert quote(world, store_id, "BE").regime == "eu_b2c_destination"  # OSS: at destination
    assert quote(world, store_id, "LU").regime == "domestic"

    assert not [a for a in world.reads.asked if a[0] == "cross_border_sales"]


# -- the day's rates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "rate"),
    [
        # Luxembourg is UTC+1 in winter: 22:59:59 UTC is the last second of 2023 there.
        (datetime(2023, 12, 31, 22, 59, 59, tzinfo=UTC), "16"),
        (datetime(2023, 12, 31, 23, 0, 0, tzinfo=UTC), "17"),
    ],
)
def test_an_order_at_midnight_takes_the_rate_of_its_day(
    world: World, store_id: UUID, at: datetime, rate: str
) -> None:
    taxed = world.vat.tax_checkout(
        store_id=store_id,
        store_country="LU",
        lines=[TaxLine("A", "standard", 11_700, 1)],
        shipping=0,
        buyer_country="LU",
        buyer_vat_number=None,
        at=at,
    )

    assert [total.as_dict()["rate"] for total in taxed.breakdown] == [rate]
    assert taxed.vat == vat_in_gross(11_700, Decimal(rate))
    assert taxed.supply_date == (date(2023, 12, 31) if rate == "16" else date(2024, 1, 1))


# -- quotes and estimates ----------------------------------------------------------------------


def test_a_quote_is_for_today_in_the_store_s_country_unless_a_day_is_given(
    world: World, store_id: UUID
) -> None:
    today = world.vat.quote(
        store_id,
        buyer_country="LU",
        lines=[{"tax_category": "food", "unit_price": 103, "quantity": 1}],
    )
    in_2023 = world.vat.quote(
        store_id,
        buyer_country="LU",
        lines=[{"tax_category": "standard", "unit_price": 11_600, "quantity": 1}],
        shipping=0,
        date=date(2023, 6, 1),
    )

    assert today.supply_date == world.clock.now_.date()
    assert today.breakdown[0].rate == rate_for("LU", "food", today.supply_date) == Decimal(3)
    assert in_2023.breakdown[0].as_dict() == {"rate": "16", "taxable": 10_000, "vat": 1_600}


def test_a_quote_writes_nothing(world: World, store_id: UUID) -> None:
    head = world.platform.head()

    quote(world, store_id, "FR")

    assert world.platform.head() == head


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"buyer_country": "XX"}, "buyer.country", UnknownCountryError),
        (
            {"lines": [{"tax_category": "wine", "unit_price": 100, "quantity": 1}]},
            "lines[0].tax_category",
            UnknownTaxCategoryError,
        ),
        (
            {
                "lines": [
                    {"tax_category": "books", "unit_price": 100, "quantity": 1},
                    {"tax_category": "books", "unit_price": 100, "quantity": 0},
                ]
            },
            "lines[1].quantity",
            ValidationError,
        ),
        ({"shipping": -1}, "shipping", ValidationError),
        ({"date": date(2022, 12, 31)}, "date", ValidationError),
    ],
)
def test_a_quote_refuses_what_it_cannot_tax_naming_the_field(
    world: World, store_id: UUID, change: dict[str, Any], field: str, error: type[Exception]
) -> None:
    asked: dict[str, Any] = {
        "buyer_country": "LU",
        "lines": [{"tax_category": "books", "unit_price": 100, "quantity": 1}],
        **change,
    }

    with pytest.raises(error) as refused:
        world.vat.quote(store_id, **asked)

    assert isinstance(refused.value, ValidationError) and refused.value.field == field


def test_a_quote_for_an_unknown_store_is_not_found(world: World) -> None:
    with pytest.raises(StoreNotFoundError):
        quote(world, uuid4(), "LU")


def test_the_cart_estimate_is_for_the_store_s_country_or_the_one_given(
    world: World, store_id: UUID
) -> None:
    lines = [TaxLine("BOOK", "books", 1_030, 2), TaxLine("TEA", "standard", 1_170, 1)]

    home = world.vat.estimate(store_id, lines)
    abroad = world.vat.estimate(store_id, lines, buyer_country="CH")

    assert home.regime == "domestic" and home.gross == 2 * 1_030 + 1_170
    assert [t.as_dict()["rate"] for t in home.breakdown] == ["17", "3"]
    assert home.vat == vat_in_gross(1_170, Decimal(17)) + vat_in_gross(2_060, Decimal(3))
    assert abroad.regime == "export" and abroad.vat == 0
