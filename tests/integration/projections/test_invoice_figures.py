"""A property of the VAT figures: whatever was sold (lines of any category and quantity, to a
consumer at home, in another member state or outside the EU, or to a business elsewhere in the
EU, with prices with or without VAT), and however it was credited on the way (any partial
credit notes), once everything left is credited every figure of the VAT return and of the OSS
return of a period holding them all is zero.

The documents are issued on the in-memory world (the VAT engine at checkout) and the invoices
read model is built from its log into SQLite, where the report queries run as the API's do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.follower import ReadModelFollower
from projections.db import make_engine
from projections.invoices.projector import NAME, InvoicesProjection
from projections.invoices.queries import oss_report, vat_report
from projections.read import ReadModels
from tests.unit.application.invoices.shop import BUYER_VAT, billing, buy, open_shop, taxed_world
from tests.unit.application.world import World

CATEGORIES = ("standard", "books", "food", "zero", "newspapers")
BUYERS = {
    "home": billing(country="LU", postal_code="L-1234", city="Luxembourg"),
    "france": billing(),
    "germany": billing(country="DE", postal_code="10115", city="Berlin"),
    "abroad": billing(country="CH", postal_code="8001", city="Zürich"),
    "business": billing(company="Curie SA", vat_number=BUYER_VAT),
}
SKUS = [f"P{i}" for i in range(5)]


def stock(world: World, store_id: Any, prices: list[int], categories: list[str]) -> None:
    for sku, price, category in zip(SKUS, prices, categories, strict=True):
        made = world.catalog.create_product(
            world.ctx,
            store_id,
            title=sku,
            tax_category=category,
            variants=[
                {"sku": sku, "price": {"amount": price, "currency": "EUR"}, "attributes": {}}
            ],
        )
        world.catalog.publish(world.ctx, store_id, made.id)
        world.inventory.receive(world.ctx, store_id, sku=sku, quantity=1000)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prices=st.lists(st.integers(1, 20_000), min_size=5, max_size=5),
    categories=st.lists(st.sampled_from(CATEGORIES), min_size=5, max_size=5),
    orders=st.lists(
        st.tuples(
            st.sampled_from(sorted(BUYERS)),
            st.dictionaries(st.sampled_from(SKUS), st.integers(1, 7), min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=4,
    ),
    partial=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(SKUS), st.integers(1, 3))),
    include=st.booleans(),
    oss=st.booleans(),
)
def test_crediting_everything_brings_every_vat_figure_back_to_zero(
    tmp_path_factory: Any,
    prices: list[int],
    categories: list[str],
    orders: list[tuple[str, dict[str, int]]],
    partial: list[tuple[int, str, int]],
    include: bool,
    oss: bool,
) -> None:
    world = taxed_world(prices_include_vat=include, oss_opt_in=oss)
    store_id, rate = open_shop(world, "vat")
    stock(world, store_id, prices, categories)
    invoices = []
    for buyer, lines in orders:
        order_id = buy(world, store_id, rate, lines, shipping_address=dict(BUYERS[buyer]))
        invoice = world.invoices.issue_for_order(world.ctx, store_id, order_id).document
        invoices.append(invoice)
    # Partial credits along the way, where they fit.
    for which, sku, quantity in partial:
        invoice = world.invoices.get(store_id, invoices[which % len(invoices)].id)
        left = invoice.left_to_credit().get(sku, 0)
        if left:
            world.invoices.credit(
                world.ctx,
                store_id,
                invoice.id,
                reason="partly",
                lines=[{"key": sku, "quantity": min(quantity, left)}],
            )
    for invoice in invoices:
        current = world.invoices.get(store_id, invoice.id)
        if any(current.left_to_credit().values()) or current.shipping_left_to_credit:
            world.invoices.credit(world.ctx, store_id, invoice.id, reason="everything left")

    path = tmp_path_factory.mktemp("figures") / "reads.db"
    engine = make_engine(f"sqlite:///{path}", writer=True, pool_size=1)
    follower = ReadModelFollower(
        recorder=world.app.recorder,
        mapper=world.app.mapper,
        engine=engine,
        projections=[InvoicesProjection()],
    )
    try:
        follower.setup()
        follower.run_until_caught_up([NAME], timeout=60)
        read = ReadModels(engine, follower.registry)
        year = invoices[0].issued_on.year
        report = vat_report(read, store_id, date(year, 1, 1), date(year, 12, 31))
        quarter = oss_report(read, store_id, f"{year}-Q{(invoices[0].issued_on.month + 2) // 3}")
    finally:
        engine.dispose()

    issued = {(row["regime"], row["rate"]) for row in report["rows"]}
    assert issued == {
        (invoice.tax["regime"], entry["rate"])
        for invoice in invoices
        for entry in invoice.tax["breakdown"]
    }
    assert all(row["documents"] >= 2 for row in report["rows"])  # invoices and credit notes
    assert [(row["taxable"], row["vat"]) for row in report["rows"]] == [(0, 0)] * len(issued)
    assert (report["taxable"], report["vat"]) == (0, 0)
    assert [(row["taxable"], row["vat"]) for row in quarter["rows"]] == [(0, 0)] * len(
        quarter["rows"]
    )
