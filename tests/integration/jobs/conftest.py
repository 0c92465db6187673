"""Fixtures for the job tests: a real Redis, namespaced per test, real SMTP servers, and an
application whose clock the test moves.

Every Redis key a test makes contains its ``redis_ns`` token (queue name, job ids, claim and
rate-limit prefixes), so parallel test processes never collide and the keys are removed after.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from rq import Queue, SimpleWorker

from adapters.claims import RedisClaims
from adapters.follower import ReactionFollower
from adapters.mail import SmtpMailer
from adapters.queue import JobTable, RQJobQueue, rq_job_class
from application.mail import Mailer
from application.reactions import Reaction
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.conftest import _service_missing
from workers.mail import Claims, MailKit
from workers.table import job_table

REDIS_URL = os.environ.get("ORION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        _service_missing("Redis", error)
    return REDIS_URL


@pytest.fixture
def redis_ns(redis_url: str) -> Iterator[str]:
    """A token unique to this test; every key holding it is deleted afterwards."""
    token = f"orion-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    yield token
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{token}*", count=1000))
    if keys:
        client.delete(*keys)
    # RQ lists every queue it has seen in one set: take ours out of it.
    queues = [q for q in client.smembers("rq:queues") if token.encode() in q]
    if queues:
        client.srem("rq:queues", *queues)
    client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What an SMTP server really received."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


class Refusing:
    """A server that refuses every recipient."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        return "550 5.7.1 recipient refused"


@dataclass
class SmtpServer:
    url: str
    inbox: Inbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(f"smtp://127.0.0.1:{port}", inbox)
    controller.stop()


@pytest.fixture
def refusing_smtp_url() -> Iterator[str]:
    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}"
    controller.stop()


def jobs_mailing_by(orion: Orion, mailer: Mailer, claims: Claims) -> JobTable:
    """Orion's job table, its mails sent by ``mailer`` with ``claims``: the jobs a worker
    running against the test's own SMTP server and Redis keys would run."""
    mail = MailKit(mailer, orion.job_services.mail.composers, claims)
    return job_table(replace(orion.job_services, mail=mail))


def rq_worker(redis_url: str, queue_name: str, table: JobTable) -> SimpleWorker:
    """An RQ worker on the queue ``queue_name`` that runs jobs from ``table``, as ``orion
    worker`` does; named after the queue (the test's token), so its keys are cleaned up."""
    connection = redis.Redis.from_url(redis_url)
    return SimpleWorker(
        [Queue(queue_name, connection=connection)],
        connection=connection,
        name=f"{queue_name}-w",
        job_class=rq_job_class(table),
    )


MailPipeline = tuple[ReactionFollower, SimpleWorker]


@contextmanager
def mail_pipeline_for(
    orion: Orion, reaction: Reaction, redis_url: str, redis_ns: str, smtp_url: str, sender: str
) -> Iterator[MailPipeline]:
    """The production path for one reaction's mails (follow the log, queue on Redis, a worker
    sends over SMTP), with a queue, a reaction position and claims of this test's own."""
    runner = ReactionFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=orion.reactions.engine,
        queue=RQJobQueue(redis_url, name=redis_ns),
        reactions=[Reaction(f"{redis_ns}-{reaction.name}", reaction.topics, reaction.react)],
    )
    runner.setup()
    table = jobs_mailing_by(
        orion,
        SmtpMailer(smtp_url, sender=sender),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    yield runner, rq_worker(redis_url, redis_ns, table)


def deliver(pipeline: MailPipeline) -> None:
    """Queue what the log asks for, then run the queued jobs."""
    runner, worker = pipeline
    runner.run_until_caught_up(timeout=20)
    worker.work(burst=True)


class MovableClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC) - timedelta(days=30)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Orion, MovableClock]]:
    clock = MovableClock()
    instance = bootstrap(settings, clock=clock)
    try:
        yield instance, clock
    finally:
        instance.close()
