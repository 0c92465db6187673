"""The VAT engine, table-driven: one sale per row, every regime, for a seller in Luxembourg and
one in Germany. Each row's figures are worked out by hand in its comment (VAT rounded half up
once per rate: gross * r / (100 + r) when prices include VAT, net * r / 100 when they do not),
never by calling the engine."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import pytest

from domain.tax.policies import Buyer, Seller, TaxLine, supply_date, tax_sale
from domain.tax.rates import RATES_VERSION

TODAY = date(2026, 12, 2)
LU_NUMBER = "LU26375245"
DE_NUMBER = "DE136695976"
FR_NUMBER = "FR40303265045"


def lu_seller(*, previous: int = 0, current: int = 0, oss: bool = False) -> Seller:
    return Seller("LU", LU_NUMBER, oss, previous, current)


def de_seller(*, previous: int = 0, current: int = 0, oss: bool = False) -> Seller:
    return Seller("DE", DE_NUMBER, oss, previous, current)


# Lines used below: (key, category, unit price, quantity).
BOOKS = TaxLine("BOOK", "books", 1250, 3)  # 3750
MUGS = TaxLine("MUG", "standard", 1990, 2)  # 3980
TWO_BOOKS = TaxLine("SKU-1", "books", 1000, 2)  # 2000


@dataclass(frozen=True)
class Case:
    seller: Seller
    buyer: Buyer
    lines: list[TaxLine]
    shipping: int
    include: bool
    regime: str
    # (rate, taxable, vat) per rate, highest rate first
    breakdown: list[tuple[str, int, int]]
    # what each line charges, and its unit price without VAT
    amounts: list[int] = field(default_factory=list)
    unit_nets: list[int] = field(default_factory=list)
    # (rate, amount) per shipping part
    shipping_parts: list[tuple[str, int]] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    buyer_vat_number: str | None = None
    on: date = TODAY


CASES = {
    # LU, prices with VAT, two rates, several of each:
    # 3%: 3750 * 3 / 103 = 109.22 -> 109, net 3641; 17%: 3980 * 17 / 117 = 578.29 -> 578, net
    # 3402. Unit prices without VAT: 1250 / 1.03 = 1213.59 -> 1214; 1990 / 1.17 = 1700.85 -> 1701.
    "lu-domestic-mixed-cart-with-vat": Case(
        lu_seller(), Buyer("LU"), [BOOKS, MUGS], 0, True, "domestic",
        [("17", 3402, 578), ("3", 3641, 109)], [3750, 3980], [1214, 1701],
    ),
    # LU, prices without VAT: 3%: 3750 * 0.03 = 112.5 -> 113 (half up); 17%: 3980 * 0.17 =
    # 676.6 -> 677.
    "lu-domestic-mixed-cart-without-vat": Case(
        lu_seller(), Buyer("LU"), [BOOKS, MUGS], 0, False, "domestic",
        [("17", 3980, 677), ("3", 3750, 113)], [3750, 3980], [1250, 1990],
    ),
    # Shipping 490 shared by the lines' amounts (17%: 3980, 3%: 3750 of 7730):
    # 490 * 3980 / 7730 = 252.29, 490 * 3750 / 7730 = 237.71 -> 252 + 237, the cent left to
    # the larger remainder (.71): 252 and 238. 17%: 3980 + 252 = 4232 -> 4232 * 17 / 117 =
    # 614.91 -> 615, net 3617; 3%: 3750 + 238 = 3988 -> 3988 * 3 / 103 = 116.16 -> 116, net 3872.
    "lu-domestic-shipping-split": Case(
        lu_seller(), Buyer("LU"), [BOOKS, MUGS], 490, True, "domestic",
        [("17", 3617, 615), ("3", 3872, 116)], [3750, 3980], [1214, 1701],
        [("17", 252), ("3", 238)],
    ),
    # LU to a consumer in FR, under the threshold: LU's 3% on books and the shipping:
    # 2000 + 500 = 2500 -> 2500 * 3 / 103 = 72.82 -> 73, net 2427; 1000 / 1.03 = 970.87 -> 971.
    "lu-to-fr-consumer-origin": Case(
        lu_seller(), Buyer("FR"), [TWO_BOOKS], 500, True, "eu_b2c_origin",
        [("3", 2427, 73)], [2000], [971], [("3", 500)],
    ),
    # The sale before the crossing: 997,573 + 2,427 = 1,000,000, within EUR 10,000: origin.
    "lu-to-fr-last-sale-within-threshold": Case(
        lu_seller(current=997_573), Buyer("FR"), [TWO_BOOKS], 500, True, "eu_b2c_origin",
        [("3", 2427, 73)], [2000], [971], [("3", 500)],
    ),
    # The crossing sale: 997,574 + 2,427 = 1,000,001 > 1,000,000: FR's 5.5% on books, the
    # shopper still pays 2500: 2500 * 5.5 / 105.5 = 130.33 -> 130, net 2370; 1000 / 1.055 =
    # 947.87 -> 948.
    "lu-to-fr-threshold-crossing-sale": Case(
        lu_seller(current=997_574), Buyer("FR"), [TWO_BOOKS], 500, True,
        "eu_b2c_destination", [("5.5", 2370, 130)], [2000], [948], [("5.5", 500)],
    ),
    # Over the threshold last year: destination all year. FR 20% on 3980: 796.
    "lu-to-fr-over-threshold-last-year": Case(
        lu_seller(previous=1_000_001), Buyer("FR"), [MUGS], 0, False, "eu_b2c_destination",
        [("20", 3980, 796)], [3980], [1990],
    ),
    # Opted in to OSS: BE 21% from the first euro: 1990 * 21 / 121 = 345.37 -> 345, net 1645.
    "lu-to-be-oss-opt-in": Case(
        lu_seller(oss=True), Buyer("BE"), [TaxLine("MUG", "standard", 1990, 1)], 0, True,
        "eu_b2c_destination", [("21", 1645, 345)], [1990], [1645],
    ),
    # A business in FR with a valid number (given with spaces, in lower case): 0%, prices
    # without VAT charged as they are: 3750 + 3980 + 490 = 8220.
    "lu-to-fr-business-reverse-charge": Case(
        lu_seller(), Buyer("FR", "fr 40 303 265 045"), [BOOKS, MUGS], 490, False,
        "intra_eu_b2b", [("0", 8220, 0)], [3750, 3980], [1250, 1990], [("0", 490)],
        ["reverse_charge"], FR_NUMBER,
    ),
    # The same from prices with VAT: the price less LU's 3%: 2000 * 3 / 103 = 58.25 -> 58,
    # charged 1942.
    "lu-to-de-business-from-prices-with-vat": Case(
        lu_seller(), Buyer("DE", DE_NUMBER), [TWO_BOOKS], 0, True, "intra_eu_b2b",
        [("0", 1942, 0)], [1942], [971], [], ["reverse_charge"], DE_NUMBER,
    ),
    # A number stdnum refuses (check digits): a consumer's sale, as the origin case above.
    "lu-to-fr-stdnum-invalid-number": Case(
        lu_seller(), Buyer("FR", "FR40303265046"), [TWO_BOOKS], 500, True, "eu_b2c_origin",
        [("3", 2427, 73)], [2000], [971], [("3", 500)],
    ),
    # A number VIES refused: a consumer's sale too.
    "lu-to-fr-vies-invalid-number": Case(
        lu_seller(), Buyer("FR", FR_NUMBER, vat_number_verified=False), [TWO_BOOKS], 500, True,
        "eu_b2c_origin", [("3", 2427, 73)], [2000], [971], [("3", 500)],
    ),
    # Export to Switzerland from prices with VAT: LU's 17% comes off the mug and its shipping:
    # 1990 + 500 = 2490 -> 2490 * 17 / 117 = 361.79 -> 362, shared 1990 : 500 -> 289.30 and
    # 72.69 -> 289 + 72, the cent left to .69: 289 and 73. Charged 1990 - 289 = 1701 and
    # 500 - 73 = 427, 2128 at 0%.
    "lu-export-from-prices-with-vat": Case(
        lu_seller(), Buyer("CH"), [TaxLine("MUG", "standard", 1990, 1)], 500, True, "export",
        [("0", 2128, 0)], [1701], [1701], [("0", 427)], ["export"],
    ),
    # Exempt supplies only: 0%, the exempt mention; the shipping follows the goods: 5300.
    "lu-exempt": Case(
        lu_seller(), Buyer("LU"), [TaxLine("COURSE", "exempt", 5000, 1)], 300, True, "exempt",
        [("0", 5300, 0)], [5000], [5000], [("0", 300)], ["exempt"],
    ),
    # A buyer in LU with a valid LU number: still domestic; 10000 * 17% = 1700.
    "lu-domestic-business": Case(
        lu_seller(), Buyer("LU", LU_NUMBER), [TaxLine("DESK", "standard", 10000, 1)], 0, False,
        "domestic", [("17", 10000, 1700)], [10000], [10000], [], [], LU_NUMBER,
    ),
    # DE, prices with VAT: 7%: 1999 * 7 / 107 = 130.78 -> 131, net 1868; 19%: 4998 * 19 / 119 =
    # 798 exactly, net 4200. 1999 / 1.07 = 1868.22 -> 1868; 2499 / 1.19 = 2100.
    "de-domestic-mixed-cart-with-vat": Case(
        de_seller(), Buyer("DE"),
        [TaxLine("BOOK", "books", 1999, 1), TaxLine("MUG", "standard", 2499, 2)], 0, True,
        "domestic", [("19", 4200, 798), ("7", 1868, 131)], [1999, 4998], [1868, 2100],
    ),
    # DE to a consumer in FR under the threshold, prices without VAT: DE's 7% on books:
    # 1999 * 0.07 = 139.93 -> 140.
    "de-to-fr-consumer-origin": Case(
        de_seller(), Buyer("FR"), [TaxLine("BOOK", "books", 1999, 1)], 0, False,
        "eu_b2c_origin", [("7", 1999, 140)], [1999], [1999],
    ),
    # DE opted in to OSS, food to AT on 2 Dec 2026: AT's 4.9% on basic foods (from 1 Jul 2026):
    # 3000 * 0.049 = 147.
    "de-to-at-food-destination": Case(
        de_seller(oss=True), Buyer("AT"), [TaxLine("MILK", "food", 1000, 3)], 0, False,
        "eu_b2c_destination", [("4.9", 3000, 147)], [3000], [1000],
    ),
    # DE opted in to OSS, children's clothing to IE: zero-rated there, no mention.
    "de-to-ie-childrens-clothing": Case(
        de_seller(oss=True), Buyer("IE"), [TaxLine("ROMPER", "childrens_clothing", 2000, 1)],
        0, True, "eu_b2c_destination", [("0", 2000, 0)], [2000], [2000],
    ),
    # DE to a business in FR, prices without VAT: 0% on 2 * 2499 = 4998.
    "de-to-fr-business-reverse-charge": Case(
        de_seller(), Buyer("FR", FR_NUMBER), [TaxLine("MUG", "standard", 2499, 2)], 0, False,
        "intra_eu_b2b", [("0", 4998, 0)], [4998], [2499], [], ["reverse_charge"], FR_NUMBER,
    ),
    # DE export to the UK, prices without VAT: 5000 + 1000 at 0%.
    "de-export-without-vat": Case(
        de_seller(), Buyer("GB"), [TaxLine("LAMP", "standard", 5000, 1)], 1000, False,
        "export", [("0", 6000, 0)], [5000], [5000], [("0", 1000)], ["export"],
    ),
    # DE, shipping alone: the standard rate: 595 * 19 / 119 = 95, net 500.
    "de-shipping-without-lines": Case(
        de_seller(), Buyer("DE"), [], 595, True, "domestic", [("19", 500, 95)], [], [],
        [("19", 595)],
    ),
    # LU the last minute of 2023 and the first of 2024 (see test_a_rate_change_at_midnight):
    # 16% then 17% of 10000.
    "lu-31-december-2023": Case(
        lu_seller(), Buyer("LU"), [TaxLine("DESK", "standard", 10000, 1)], 0, False,
        "domestic", [("16", 10000, 1600)], [10000], [10000], on=date(2023, 12, 31),
    ),
    "lu-1-january-2024": Case(
        lu_seller(), Buyer("LU"), [TaxLine("DESK", "standard", 10000, 1)], 0, False,
        "domestic", [("17", 10000, 1700)], [10000], [10000], on=date(2024, 1, 1),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_sale_is_taxed_as_worked_out_by_hand(case: Case) -> None:
    result = tax_sale(
        seller=case.seller,
        buyer=case.buyer,
        lines=case.lines,
        shipping=case.shipping,
        prices_include_vat=case.include,
        on=case.on,
    )
    d = result.as_dict()

    assert d["regime"] == case.regime
    assert [(b["rate"], b["taxable"], b["vat"]) for b in d["breakdown"]] == case.breakdown
    assert [line["amount"] for line in d["lines"]] == case.amounts
    assert [line["unit_price_net"] for line in d["lines"]] == case.unit_nets
    assert [(s["rate"], s["amount"]) for s in d["shipping"]] == case.shipping_parts
    assert d["mentions"] == case.mentions
    assert d["buyer_vat_number"] == case.buyer_vat_number
    assert d["net"] == sum(b[1] for b in case.breakdown)
    assert d["vat"] == sum(b[2] for b in case.breakdown)
    assert d["gross"] == d["net"] + d["vat"]
    assert d["supply_date"] == case.on.isoformat()
    assert d["seller_vat_number"] == case.seller.vat_number
    assert d["rates_version"] == RATES_VERSION


def test_a_rate_change_at_midnight() -> None:
    # 23:59 in Luxembourg on 31 Dec 2023 is 22:59 UTC (CET, UTC+1); midnight is 23:00 UTC.
    last_minute = datetime(2023, 12, 31, 22, 59, tzinfo=UTC)
    midnight = datetime(2023, 12, 31, 23, 0, tzinfo=UTC)

    assert supply_date(last_minute, "LU") == CASES["lu-31-december-2023"].on
    assert supply_date(midnight, "LU") == CASES["lu-1-january-2024"].on
    # The same instant is still 31 December in Lisbon (UTC+0).
    assert supply_date(midnight, "PT") == date(2023, 12, 31)


def test_the_example_of_the_contract_round_trips() -> None:
    # The shape the invoices and orders keep, from the brief's example.
    result = tax_sale(
        seller=lu_seller(),
        buyer=Buyer("FR"),
        lines=[TWO_BOOKS],
        shipping=500,
        prices_include_vat=True,
        on=TODAY,
    )

    assert result.as_dict() == {
        "regime": "eu_b2c_origin",
        "rates_version": RATES_VERSION,
        "supply_date": "2026-12-02",
        "prices_include_vat": True,
        "seller_country": "LU",
        "buyer_country": "FR",
        "seller_vat_number": "LU26375245",
        "buyer_vat_number": None,
        "lines": [
            {
                "key": "SKU-1",
                "tax_category": "books",
                "quantity": 2,
                "unit_price": 1000,
                "amount": 2000,
                "rate": "3",
                "unit_price_net": 971,
            }
        ],
        "shipping": [{"rate": "3", "amount": 500}],
        "breakdown": [{"rate": "3", "taxable": 2427, "vat": 73}],
        "net": 2427,
        "vat": 73,
        "gross": 2500,
        "mentions": [],
    }
    assert type(result).from_dict(result.as_dict()) == result


def test_vies_s_answer_is_kept_with_the_result_and_comes_back_from_it() -> None:
    result = tax_sale(
        seller=Seller("LU", "LU26375245", False, 0, 0),
        buyer=Buyer("DE", "DE136695976", vat_number_verified=True),
        lines=[TaxLine("TEA", "standard", 1_170, 1)],
        shipping=0,
        prices_include_vat=False,
        on=date(2026, 12, 2),
    )
    check = {"number": "DE136695976", "valid": True, "request_identifier": "WAPIAAAA1"}

    proved = replace(result, vat_check=check)

    assert "vat_check" not in result.as_dict()  # not asked: nothing to keep
    assert proved.as_dict()["vat_check"] == check
    assert type(result).from_dict(proved.as_dict()) == proved
