"""Invoice jobs on the production path (event → reaction → RQ on Redis → worker): an order paid
in full gets its invoice and the invoice its PDF, kept in the document store; a refund gets its
credit note and that its PDF; what Redis keeps of the jobs is ids, quantities and the refund's
reason, nothing of the buyer."""

from __future__ import annotations

import pickle

import redis
from rq import Queue

from adapters.follower import ReactionFollower
from adapters.queue import RQJobQueue
from application.context import CommandContext
from application.invoices.documents import pdf_key
from application.invoices.jobs import invoice_reaction
from application.reactions import Reaction
from interfaces.bootstrap import Orion
from tests.integration.api.test_invoices import BOOK, TEA, buy, open_shop
from tests.integration.jobs.conftest import rq_worker

CTX = CommandContext(actor="test:jobs")


def test_payment_refund_and_pdfs_go_through_redis(
    orion: Orion, redis_url: str, redis_ns: str
) -> None:
    reaction = invoice_reaction()
    runner = ReactionFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=orion.reactions.engine,
        queue=RQJobQueue(redis_url, name=redis_ns),
        reactions=[Reaction(f"{redis_ns}-{reaction.name}", reaction.topics, reaction.react)],
    )
    runner.setup()  # from the head of the log: the shop's set-up below is followed
    worker = rq_worker(redis_url, redis_ns, orion.job_table)
    shop = open_shop(orion, None)
    placed = buy(orion, shop, {BOOK: 2, TEA: 1})

    everything: list[tuple[str, tuple[object, ...]]] = []

    def deliver() -> list[tuple[str, tuple[object, ...]]]:
        """Queue what the log asks for, note what Redis holds, then run it."""
        runner.run_until_caught_up(timeout=20)
        queue = Queue(redis_ns, connection=redis.Redis.from_url(redis_url))
        held = [(job.func_name, tuple(job.args)) for job in queue.jobs]
        everything.extend(held)
        worker.work(burst=True)
        return held

    orion.orders.record_payment(CTX, shop.store_id, placed.order_id, amount=placed.order.total)
    held = deliver()
    assert [name for name, _ in held] == ["workers.invoices.issue_on_payment"]
    invoice = orion.invoices.of_order(shop.store_id, placed.order_id)
    assert invoice is not None and invoice.number == 1
    held = deliver()  # the invoice's PDF
    assert held == [("workers.invoices.render_pdf", (str(invoice.id),))]
    kept = orion.documents.get(pdf_key(invoice.id, masked=False))
    assert kept is not None and kept.content.startswith(b"%PDF")

    orion.orders.refund(
        CTX, shop.store_id, placed.order_id, lines=[{"sku": TEA, "quantity": 1}], reason="broken"
    )
    held = deliver()
    refund_id = held[0][1][1]
    assert held == [
        (
            "workers.invoices.credit_refund",
            (str(placed.order_id), refund_id, [{"key": TEA, "quantity": 1}], False, "broken"),
        )
    ]
    current = orion.invoices.get(shop.store_id, invoice.id)
    (note_id,) = current.credit_notes
    deliver()
    assert orion.documents.get(pdf_key(note_id, masked=False)) is not None
    # Nothing of the buyer went to Redis: ids, quantities, the refund's reason.
    assert len(everything) == 4
    assert b"Curie" not in pickle.dumps(everything)
    assert "Panthéon".encode() not in pickle.dumps(everything)
