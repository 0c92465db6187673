"""Order jobs: the confirmation e-mail really leaves (event → reaction → RQ on Redis → worker →
SMTP), and the payment timeout cancels overdue orders and releases their stock, queued every
minute by the scheduler."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from email import message_from_bytes, policy
from uuid import UUID

import pytest

from adapters.claims import RedisClaims
from adapters.mail import SmtpMailer
from adapters.queue import InlineJobQueue
from adapters.scheduler import EXPIRED_HOLDS, PAYMENT_TIMEOUT, Scheduler
from application.cart.app import CartRef
from application.context import CommandContext
from application.orders.checkout import CheckoutDetails
from application.orders.mails import CONFIRMATION, OrderNotNumberedYetError, order_mail_reaction
from application.reactions import SEND_MAIL
from interfaces.bootstrap import Orion
from tests.integration.api.test_checkout import PRICES, SHIPPING, Shop, open_shop
from tests.integration.api.test_shop_account import address
from tests.integration.jobs.conftest import (
    MailPipeline,
    MovableClock,
    SmtpServer,
    deliver,
    jobs_mailing_by,
    mail_pipeline_for,
)

SHOPPER = CommandContext(actor="anonymous:-")
ADMIN = CommandContext(actor="platform_admin:test")


def place(
    orion: Orion,
    shop: Shop,
    lines: dict[str, int],
    *,
    email: str = "Guest.Buyer@Example.org",
    payment_method: str = "manual",
) -> UUID:
    """A guest's order through the services (checkout's HTTP side is tested elsewhere)."""
    cart_id: UUID | None = None
    for sku, quantity in lines.items():
        cart_id = orion.carts.add(
            SHOPPER, shop.id, CartRef(cart_id=cart_id), sku=sku, quantity=quantity
        ).id
    placed = orion.checkout.place(
        CommandContext(actor=f"guest:{cart_id}", idempotency_key=secrets.token_hex(8)),
        shop.id,
        CartRef(cart_id=cart_id),
        CheckoutDetails(
            shipping_rate_id=shop.rate_id,
            payment_method=payment_method,
            email=email,
            shipping_address=address(),
        ),
    )
    return placed.order_id


# -- the confirmation e-mail ------------------------------------------------------------------


@pytest.fixture
def mail_pipeline(
    orion: Orion, redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> Iterator[MailPipeline]:
    with mail_pipeline_for(
        orion,
        order_mail_reaction(),
        redis_url,
        redis_ns,
        smtp_server.url,
        "Shop <no-reply@orion.test>",
    ) as pipeline:
        yield pipeline


def text_of(smtp: SmtpServer, index: int) -> tuple[str, str, str]:
    envelope = smtp.inbox.envelopes[index]
    message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return envelope.rcpt_tos[0], str(message["Subject"]), body.get_content()


def test_the_confirmation_mail_leaves_once_with_number_lines_totals_and_payment(
    orion: Orion, mail_pipeline: MailPipeline, smtp_server: SmtpServer
) -> None:
    runner, _ = mail_pipeline
    shop = open_shop(orion)
    a, b, _ = shop.skus
    order_id = place(orion, shop, {a: 2, b: 1})
    orion.projections.run_until_caught_up(timeout=30)  # the order number
    deliver(mail_pipeline)
    deliver(mail_pipeline)  # a second pass sends nothing more

    assert len(smtp_server.inbox.envelopes) == 1
    to, subject, text = text_of(smtp_server, 0)
    number = f"{shop.code.upper()}-000001"
    assert to == "guest.buyer@example.org"
    assert subject == f"Your order {number} at Checkout Shop"
    total = 2 * PRICES[0] + PRICES[1] + SHIPPING
    assert f"Order {number}" in text
    assert f"2 x Wool socks (size: 36) [{a}]  39.98 EUR" in text
    assert f"1 x Wool socks (size: 37) [{b}]  25.00 EUR" in text
    assert "Shipping   4.90 EUR  (Standard)" in text
    assert f"Total      {total // 100}.{total % 100:02d} EUR" in text
    assert f"quote the reference ORDER-{order_id.hex[:12].upper()}" in text
    assert "12 Rue des Tilleuls" in text
    # Redis holds the order's id and nothing personal.
    job_ids = runner.queue.queue.finished_job_registry.get_job_ids()  # type: ignore[attr-defined]
    assert len(job_ids) == 1
    job = runner.queue.queue.fetch_job(job_ids[0])  # type: ignore[attr-defined]
    assert job is not None and job.args[1] == {"order_id": str(order_id)}


def test_a_mail_waits_for_the_order_number_and_is_not_sent_to_an_erased_person(
    orion: Orion, redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> None:
    """Before the orders read model has numbered the order, composing fails and the claim is
    released, so the queue's retry sends it; once the person is erased, nothing is sent."""
    shop = open_shop(orion)
    order_id = place(orion, shop, {shop.skus[0]: 1})
    send_mail = jobs_mailing_by(
        orion,
        SmtpMailer(smtp_server.url, sender="Shop <no-reply@orion.test>"),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )[SEND_MAIL]
    args = (CONFIRMATION, {"order_id": str(order_id)}, f"order-confirmation:{order_id}")
    with pytest.raises(OrderNotNumberedYetError):
        send_mail(*args)
    assert smtp_server.inbox.envelopes == []
    orion.projections.run_until_caught_up(timeout=30)
    assert send_mail(*args) == "sent"  # the retry
    assert send_mail(*args) == "duplicate"
    assert len(smtp_server.inbox.envelopes) == 1

    # A customer's order: erased, their contact in the order is gone, and so is the mail.
    session = orion.customers.register(
        SHOPPER, shop.id, email="erase.me@example.org", password="a long passphrase 1"
    )
    customer_id = session.account_id
    orion.carts.add(
        SHOPPER, shop.id, CartRef(customer_id=customer_id), sku=shop.skus[1], quantity=1
    )
    theirs = orion.checkout.place(
        CommandContext(actor=f"customer:{customer_id}", idempotency_key="k1"),
        shop.id,
        CartRef(customer_id=customer_id),
        CheckoutDetails(
            shipping_rate_id=shop.rate_id, payment_method="manual", shipping_address=address()
        ),
        customer_id=customer_id,
    ).order_id
    orion.customers.erase(ADMIN, shop.id, customer_id, by="customer")
    orion.projections.run_until_caught_up(timeout=30)
    erased = (CONFIRMATION, {"order_id": str(theirs)}, f"order-confirmation:{theirs}")
    assert send_mail(*erased) == "nothing to send"
    assert len(smtp_server.inbox.envelopes) == 1


# -- the payment timeout ----------------------------------------------------------------------


def test_the_scheduler_queues_the_timeout_once_a_minute_and_the_job_runs(
    clocked: tuple[Orion, MovableClock],
) -> None:
    orion, clock = clocked
    shop = open_shop(orion)
    orion.commerce.change_settings(ADMIN, shop.id, {"payment_timeout_hours": 1})
    order_id = place(orion, shop, {shop.skus[0]: 4})
    clock.advance(hours=2)
    orion.projections.run_until_caught_up(timeout=30)

    queue = orion.jobs
    assert isinstance(queue, InlineJobQueue)  # the embedded default: jobs in this process
    wall = [1_000_000.0 * 60 + 5]
    # Two processes following the log, each with its scheduler, on one queue.
    schedulers = [Scheduler(queue, wall_clock=lambda: wall[0]) for _ in range(2)]
    assert [s.tick() for s in schedulers] == [[], []]  # the first run waits for the next minute
    wall[0] += 30
    assert [s.tick() for s in schedulers] == [[], []]
    wall[0] += 30
    ticks = [s.tick() for s in schedulers]
    assert (
        ticks
        == [
            [f"scheduled-{PAYMENT_TIMEOUT.name}-1000001", f"scheduled-{EXPIRED_HOLDS.name}-1000001"]
        ]
        * 2
    )
    assert queue.drain(timeout=30)
    assert orion.orders.get(shop.id, order_id).status == "cancelled"
    assert orion.inventory.available(shop.id, shop.skus[0], clock.now()) == 10
    # Both schedulers queued the slot's job under one id: one cancellation in the log.
    cancellations = [
        e for e in orion.app.events.get(order_id) if e.__class__.__name__ == "Cancelled"
    ]
    assert len(cancellations) == 1
