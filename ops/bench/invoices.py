"""Benchmark: issuing invoices, per second and per invoice, against recording payments.

    .venv/bin/python -m ops.bench.invoices                  # ~1 minute, PostgreSQL
    .venv/bin/python -m ops.bench.invoices --orders 400 --threads 1 8

Every invoice of a store's year takes the next number of one series: issuing is one command
that saves the invoice and the series together, and commands issued at once race for the
series' version, the losers deciding again (``application.invoices.app``). What that costs is
measured against a command of the same shape without the shared aggregate: recording the
payment of an order (one order read and saved, with its own retries), over as many orders, from
as many threads, in the same run. Rounds alternate the two so both see the same noise.

The figures per thread count: commands per second, each kind's ratio to the baseline, and how
many decisions an invoice took on average (1.0: no race lost). Figures are printed, not written
to RESULTS.md.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from domain.invoices.aggregates import InvoiceSeries
from interfaces.bootstrap import Orion
from ops.bench.common import DEFAULT_DATABASE_URL, log, open_orion, reset_database, run_threads

CTX = CommandContext(actor="bench:invoices")
SETTINGS = {
    "legal_name": "Bench Books Sàrl",
    "address": {"line1": "1 Rue", "postal_code": "L-1111", "city": "Luxembourg", "country": "LU"},
    "issue_on_payment": False,
}
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "12 Rue des Tilleuls",
    "city": "Luxembourg",
    "postal_code": "L-1234",
    "country": "LU",
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ops.bench.invoices", description=__doc__.split("\n")[0]
    )
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument("--orders", type=int, default=200, help="orders per round (%(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of each kind (%(default)s)")
    p.add_argument(
        "--threads", type=int, nargs="+", default=[1, 4, 16], help="thread counts (%(default)s)"
    )
    return p.parse_args(argv)


def open_store(orion: Orion) -> tuple[UUID, UUID]:
    code = "b" + secrets.token_hex(4)
    store_id = orion.stores.register(
        CTX, code=code, name="Bench", country="LU", currency="EUR", locale="en"
    ).id
    made = orion.catalog.create_product(
        CTX,
        store_id,
        title="Book",
        tax_category="books",
        variants=[{"sku": "BOOK", "price": {"amount": 1200, "currency": "EUR"}, "attributes": {}}],
    )
    orion.catalog.publish(CTX, store_id, made.id)
    orion.inventory.receive(CTX, store_id, sku="BOOK", quantity=1_000_000)
    _, rate_id = orion.shipping.set_rate(
        CTX, store_id, spec={"name": "Post", "kind": "flat", "amount": 490}
    )
    orion.invoicing.change_settings(CTX, store_id, dict(SETTINGS))
    return store_id, rate_id


def place(orion: Orion, store_id: UUID, rate_id: UUID, n: int) -> list[Order]:
    """``n`` orders of a guest, placed and not paid: (order id, total)."""
    placed = []
    for _ in range(n):
        ref = CartRef()
        added = orion.carts.add(CTX, store_id, ref, sku="BOOK", quantity=1)
        details = CheckoutDetails(
            shipping_rate_id=rate_id,
            payment_method="manual",
            email="guest@example.org",
            shipping_address=dict(ADDRESS),
        )
        ctx = CommandContext(actor="bench:shopper", idempotency_key=secrets.token_hex(8))
        made = orion.checkout.place(ctx, store_id, CartRef(cart_id=added.id), details)
        placed.append((made.order_id, made.order.total))
    return placed


Order = tuple[UUID, int]


def timed_round(threads: int, work: list[Order], run: Callable[[Order], object]) -> float:
    """Commands per second of ``run(item)`` over ``work``, shared out over ``threads``."""
    chunks = [work[i::threads] for i in range(threads)]

    def body(i: int) -> None:
        for item in chunks[i]:
            run(item)

    return len(work) / run_threads(threads, body)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    reset_database(args.database_url)
    orion = open_orion(args.database_url)
    decisions = [0]
    allocate = InvoiceSeries.allocate

    def counted(series: InvoiceSeries, at: datetime) -> int:
        decisions[0] += 1
        return allocate(series, at)

    InvoiceSeries.allocate = counted  # type: ignore[method-assign,assignment]
    try:
        store_id, rate_id = open_store(orion)
        log(f"placing {args.orders * args.rounds * 2 * len(args.threads)} orders")
        results: dict[int, dict[str, list[float]]] = {}
        tries: dict[int, list[float]] = {}
        for threads in args.threads:
            results[threads] = {"payment": [], "invoice": []}
            tries[threads] = []
            for _ in range(args.rounds):
                to_pay = place(orion, store_id, rate_id, args.orders)
                to_invoice = place(orion, store_id, rate_id, args.orders)
                for order_id, total in to_invoice:
                    orion.orders.record_payment(CTX, store_id, order_id, amount=total)

                def pay(item: Order) -> object:
                    return orion.orders.record_payment(CTX, store_id, item[0], amount=item[1])

                def issue(item: Order) -> object:
                    return orion.invoices.issue_for_order(CTX, store_id, item[0])

                results[threads]["payment"].append(timed_round(threads, to_pay, pay))
                decisions[0] = 0
                results[threads]["invoice"].append(timed_round(threads, to_invoice, issue))
                tries[threads].append(decisions[0] / args.orders)
                log(f"{threads} thread(s): round done")
    finally:
        InvoiceSeries.allocate = allocate  # type: ignore[method-assign]
        orion.close()

    print(f"issuing invoices on PostgreSQL, {args.orders} per round, {args.rounds} rounds")
    print("threads  payments/s  invoices/s  ratio  decisions per invoice")
    for threads, kinds in results.items():
        paid = statistics.median(kinds["payment"])
        issued = statistics.median(kinds["invoice"])
        print(
            f"{threads:>7}  {paid:>10.0f}  {issued:>10.0f}  {issued / paid:>5.2f}"
            f"  {statistics.median(tries[threads]):>21.2f}"
        )


if __name__ == "__main__":
    main()
