"""Micro-benchmark: the VAT engine's cost per order, in microseconds, against a baseline
measured in the same run.

    .venv/bin/python -m ops.bench.tax
    .venv/bin/python -m ops.bench.tax --runs 500 --batch 200

One process, no database. A 3-line cart (books, a standard-rated item and food, several of
each, with shipping) is taxed by ``tax_sale`` under three regimes: domestic, at destination,
and intra-EU B2B from VAT-inclusive prices (the seller's VAT taken off per rate group: the most
arithmetic). Each figure is the median over ``--runs`` timings of ``--batch`` calls, divided
by the batch. The baseline is what checkout does per order without the engine: building the
same lines' dicts with their totals (``domain.orders.policies.priced_lines``). Also timed:
``TaxResult.as_dict()`` (what an order keeps), and the engine with its caches (rates by day,
VAT numbers) cleared before each call, as the first order of a day would find them.

Prints only; figures go into ``ops/bench/RESULTS.md`` by hand when they matter.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from domain.orders.policies import priced_lines
from domain.tax import policies
from domain.tax.policies import Buyer, Seller, TaxLine, tax_sale
from ops.bench.common import client_collector_paused, percentile, ratio

DAY = date(2026, 12, 2)
LINES = [
    TaxLine("BOOK-1", "books", 1250, 3),
    TaxLine("MUG-2", "standard", 1990, 2),
    TaxLine("TEA-3", "food", 650, 4),
]
SCENARIOS: dict[str, tuple[Seller, Buyer]] = {
    "domestic (LU)": (Seller("LU", "LU26375245", False, 0, 0), Buyer("LU")),
    "eu_b2c_destination (LU -> FR, OSS)": (
        Seller("LU", "LU26375245", True, 0, 0),
        Buyer("FR"),
    ),
    "intra_eu_b2b (LU -> DE, prices with VAT)": (
        Seller("LU", "LU26375245", False, 0, 0),
        Buyer("DE", "DE136695976", vat_number_verified=True),
    ),
}


def per_call_us(call: Callable[[], Any], *, runs: int, batch: int) -> float:
    """The median of ``runs`` timings of ``batch`` calls, per call, in microseconds."""
    for _ in range(batch):  # warm up
        call()
    timings = []
    with client_collector_paused():
        for _ in range(runs):
            start = time.perf_counter()
            for _ in range(batch):
                call()
            timings.append((time.perf_counter() - start) / batch)
    return percentile(timings, 50) * 1_000_000


def row(label: str, us: float, baseline: float | None = None) -> None:
    against = f"  x{ratio(us, baseline):.1f} the baseline" if baseline else ""
    print(f"{label:60} {us:8.2f} µs{against}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timings per figure")
    parser.add_argument("--batch", type=int, default=100, help="calls per timing")
    args = parser.parse_args(argv)
    timing = {"runs": args.runs, "batch": args.batch}

    order_lines = [
        {
            "sku": line.key,
            "tax_category": line.tax_category,
            "unit_price": line.unit_price,
            "quantity": line.quantity,
        }
        for line in LINES
    ]
    baseline = per_call_us(lambda: priced_lines(order_lines), **timing)
    row("baseline: the cart's lines priced (priced_lines)", baseline)

    for name, (seller, buyer) in SCENARIOS.items():

        def sale(seller: Seller = seller, buyer: Buyer = buyer) -> policies.TaxResult:
            return tax_sale(
                seller=seller,
                buyer=buyer,
                lines=LINES,
                shipping=490,
                prices_include_vat=True,
                on=DAY,
            )

        engine = per_call_us(sale, **timing)
        row(f"tax_sale, 3 lines, {name}", engine, baseline)

    seller, buyer = SCENARIOS["domestic (LU)"]
    result = tax_sale(
        seller=seller, buyer=buyer, lines=LINES, shipping=490, prices_include_vat=True, on=DAY
    )
    kept = per_call_us(result.as_dict, **timing)
    row("TaxResult.as_dict()", kept, baseline)

    def cold() -> None:
        policies._rate.cache_clear()
        policies._checked_number.cache_clear()
        tax_sale(
            seller=seller, buyer=buyer, lines=LINES, shipping=490, prices_include_vat=True, on=DAY
        )

    first = per_call_us(cold, **timing)
    row("tax_sale, 3 lines, domestic, caches cleared each call", first, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
