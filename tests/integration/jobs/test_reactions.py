"""Reactions on the follower, on SQLite and PostgreSQL: from the head, nothing lost, nothing
repeated, a failing one stopped alone and resumed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    inspect,
    update,
)

from adapters.claims import MemoryClaims, RedisClaims
from adapters.follower import NotRebuildableError, ReactionFollower
from adapters.queue import InlineJobQueue, JobTable, RQJobQueue
from application.context import SYSTEM
from application.mail import MailComposer, MailMessage
from application.reactions import SEND_MAIL, SEND_MAILS, Job, Reaction, mail_job
from domain.shared.topics import topic
from domain.stores.aggregates import Store
from interfaces.bootstrap import Orion
from projections.db import make_engine
from projections.tracking import state_table
from tests.builders import random_code, wait_for
from tests.integration.jobs.conftest import SmtpServer, rq_worker
from workers.mail import MailKit, send_mail

REGISTERED = topic(Store.Registered)


@dataclass
class RecordingQueue:
    """A JobQueue that keeps what it is given (and can be told to fail, like a Redis outage)."""

    jobs: list[tuple[str, tuple[Any, ...], str | None]] = field(default_factory=list)
    fail: bool = False

    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        if self.fail:
            raise ConnectionError("queue unreachable")
        self.jobs.append((func, args, job_id))


def welcome_jobs(position: int, event: Any) -> list[Job]:
    return [Job("jobs.welcome", (str(event.originator_id),))]


WELCOME = Reaction("welcome", (REGISTERED,), welcome_jobs)


def register(orion: Orion, name: str = "Shop") -> UUID:
    result = orion.stores.register(
        SYSTEM, code=random_code(), name=name, country="LU", currency="EUR", locale="en"
    )
    return result.id


@pytest.fixture
def engine(orion: Orion) -> Iterator[Engine]:
    engine = make_engine(orion.settings.database_url, writer=True, pool_size=2)
    yield engine
    engine.dispose()


def runner(
    orion: Orion, engine: Engine, queue: Any, *reactions: Reaction, **options: Any
) -> ReactionFollower:
    made = ReactionFollower(
        recorder=orion.app.recorder,
        mapper=orion.app.mapper,
        engine=engine,
        queue=queue,
        reactions=reactions or (WELCOME,),
        **options,
    )
    made.setup()
    return made


def head(orion: Orion) -> int:
    return orion.app.recorder.max_notification_id() or 0


def test_a_new_reaction_starts_at_the_head(orion: Orion, engine: Engine) -> None:
    register(orion, "Before")
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue)
    assert reactions.positions() == {"welcome": head(orion)}
    reactions.run_until_caught_up(timeout=10)
    assert queue.jobs == []  # history is not re-sent

    later = [register(orion), register(orion)]
    reactions.run_until_caught_up(timeout=10)
    assert [args for _, args, _ in queue.jobs] == [(str(s),) for s in later]
    assert reactions.positions() == {"welcome": head(orion)}


def test_job_ids_are_deterministic(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue()
    two = Reaction(
        "two",
        (REGISTERED,),
        lambda position, event: [Job("jobs.a", ()), Job("jobs.b", (), job_id=f"own-{position}")],
    )
    reactions = runner(orion, engine, queue, two)
    register(orion)
    position = head(orion)
    reactions.run_until_caught_up(timeout=10)
    assert [job_id for _, _, job_id in queue.jobs] == [f"two-{position}-0", f"own-{position}"]


def test_other_events_move_the_position_without_jobs(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue)
    store = register(orion)
    orion.stores.change_details(SYSTEM, store, name="Renamed")
    orion.stores.suspend(SYSTEM, store, reason="test")
    reactions.run_until_caught_up(timeout=10)
    assert len(queue.jobs) == 1
    assert reactions.positions() == {"welcome": head(orion)}


def test_a_restart_neither_loses_nor_repeats(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue()
    first = runner(orion, engine, queue)
    a = register(orion)
    first.run_until_caught_up(timeout=10)
    b = register(orion)  # committed while "down": the next process must catch it

    restarted = runner(orion, engine, queue)  # a new process: position from the table
    restarted.run_until_caught_up(timeout=10)
    assert [args for _, args, _ in queue.jobs] == [(str(a),), (str(b),)]

    again = runner(orion, engine, queue)
    again.run_until_caught_up(timeout=10)
    assert len(queue.jobs) == 2


def test_a_failed_enqueue_is_retried_with_the_same_job_id(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue(fail=True)
    reactions = runner(orion, engine, queue)
    start = head(orion)
    store = register(orion)
    position = head(orion)
    assert reactions.run_once() == 0
    assert reactions.positions() == {"welcome": start}  # not past the event it could not queue

    queue.fail = False
    restarted = runner(orion, engine, queue)
    restarted.run_until_caught_up(timeout=10)
    assert queue.jobs == [("jobs.welcome", (str(store),), f"welcome-{position}-0")]


def test_one_failing_reaction_does_not_stop_the_others(orion: Orion, engine: Engine) -> None:
    def broken(position: int, event: Any) -> list[Job]:
        raise RuntimeError("bug")

    queue = RecordingQueue()
    reactions = runner(orion, engine, queue, WELCOME, Reaction("broken", (REGISTERED,), broken))
    start = head(orion)
    register(orion)
    reactions.run_once()
    assert len(queue.jobs) == 1
    assert reactions.positions() == {"welcome": head(orion), "broken": start}


def test_the_background_thread_follows_the_log(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue)
    reactions.start()
    try:
        store = register(orion)
        reactions.wake()
        deadline = time.monotonic() + 10
        while not queue.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        reactions.stop()
    assert [args for _, args, _ in queue.jobs] == [(str(store),)]


def test_the_mails_of_a_step_are_queued_as_one_job(orion: Orion, engine: Engine) -> None:
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue, store_mails(orion))
    stores = [register(orion) for _ in range(3)]
    first = head(orion) - 2
    reactions.run_until_caught_up(timeout=10)
    assert queue.jobs == [
        (
            SEND_MAILS,
            ([["test.store-welcome", {"store_id": str(s)}, f"store-welcome:{s}"] for s in stores],),
            f"store-mails-{first}-0-3",
        )
    ]
    assert reactions.positions() == {"store-mails": head(orion)}


def test_the_background_loop_gathers_what_arrives_between_steps(
    orion: Orion, engine: Engine
) -> None:
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue, store_mails(orion), gather_seconds=2.0)
    reactions.start()
    try:
        register(orion)  # after a quiet spell: taken at once, not 2 s later
        reactions.wake()
        wait_for(lambda: len(queue.jobs) == 1, timeout=1.0)
        register(orion), register(orion)  # within the 2 s after that step: gathered
        reactions.wake()
        wait_for(lambda: len(queue.jobs) == 2)
    finally:
        reactions.stop()
    assert [func for func, _, _ in queue.jobs] == [SEND_MAIL, SEND_MAILS]
    assert len(queue.jobs[1][1][0]) == 2


# -- end to end: an event, a job, a mail -------------------------------------------------------


def store_mails(orion: Orion) -> Reaction:
    def react(position: int, event: Any) -> list[Job]:
        store = str(event.originator_id)
        return [mail_job("test.store-welcome", {"store_id": store}, f"store-welcome:{store}")]

    return Reaction("store-mails", (REGISTERED,), react)


def store_composers(orion: Orion) -> MailComposer:
    def welcome(ref: dict[str, Any]) -> MailMessage | None:
        store = orion.stores.get(UUID(ref["store_id"]))
        return MailMessage(to="owner@example.com", subject=f"Welcome, {store.name}", text="Hi")

    registry = MailComposer()
    registry.register("test.store-welcome", welcome)
    return registry


def mail_jobs(mail: MailKit) -> JobTable:
    return {send_mail.name: send_mail.bind(mail)}


def test_event_to_mail_through_rq(
    orion: Orion,
    engine: Engine,
    redis_url: str,
    redis_ns: str,
    smtp_server: SmtpServer,
) -> None:
    from adapters.mail import SmtpMailer

    mail = MailKit(
        SmtpMailer(smtp_server.url),
        store_composers(orion),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    # The reaction's name carries the test's token: its job ids do too (and are cleaned up).
    reaction = store_mails(orion)
    reaction = Reaction(f"{redis_ns}-mails", reaction.topics, reaction.react)
    queue = RQJobQueue(redis_url, name=redis_ns)
    reactions = runner(orion, engine, queue, reaction)
    start = head(orion)
    register(orion, "Bakery")
    reactions.run_until_caught_up(timeout=10)

    # A crash after queueing, before saving the position: the restart queues it again.
    with engine.begin() as conn:
        conn.execute(
            update(state_table).where(state_table.c.name == reaction.name).values(position=start)
        )
    runner(orion, engine, queue, reaction).run_until_caught_up(timeout=10)
    assert queue.queue.count == 1  # the same job id: RQ kept one

    rq_worker(redis_url, redis_ns, mail_jobs(mail)).work(burst=True)
    assert [e.rcpt_tos for e in smtp_server.inbox.envelopes] == [["owner@example.com"]]
    assert b"Subject: Welcome, Bakery" in (smtp_server.inbox.envelopes[0].original_content or b"")


def test_event_to_mail_in_process(orion: Orion, engine: Engine, smtp_server: SmtpServer) -> None:
    """The embedded default: no Redis, the job runs on the in-process queue's thread."""
    from adapters.mail import SmtpMailer

    mail = MailKit(SmtpMailer(smtp_server.url), store_composers(orion), MemoryClaims())
    queue = InlineJobQueue(mail_jobs(mail))
    reactions = runner(orion, engine, queue, store_mails(orion))
    register(orion, "Florist")
    reactions.run_until_caught_up(timeout=10)
    assert queue.drain(timeout=10)
    queue.close()
    assert len(smtp_server.inbox.envelopes) == 1
    assert b"Subject: Welcome, Florist" in (smtp_server.inbox.envelopes[0].original_content or b"")


gate = threading.Event()
gated_runs: list[str] = []


def gated(store_id: str) -> None:
    """A job that takes as long as the test wants."""
    gate.wait(10)
    gated_runs.append(store_id)


def test_in_process_jobs_run_before_the_position_moves(orion: Orion, engine: Engine) -> None:
    """In-process jobs live in memory: the position may not pass them until they have run."""
    gate.clear()
    gated_runs.clear()
    reaction = Reaction(
        "gated",
        (REGISTERED,),
        lambda position, event: [Job("test.gated", (str(event.originator_id),))],
    )
    queue = InlineJobQueue({"test.gated": gated})
    reactions = runner(orion, engine, queue, reaction, inline_timeout=0.2)
    start = head(orion)
    store = register(orion)
    reactions.run_once()
    assert reactions.positions() == {"gated": start}  # the job has not run yet

    gate.set()
    assert queue.drain(timeout=10)
    reactions.resume("gated")  # skip the back-off
    reactions.run_until_caught_up(timeout=10)
    queue.close()
    assert reactions.positions() == {"gated": head(orion)}
    assert gated_runs == [str(store)]  # queued again with the same id: not run twice


# -- failures, status and the former table -----------------------------------------------------


def test_a_failing_reaction_says_where_and_why_and_resumes_when_fixed(
    orion: Orion, engine: Engine
) -> None:
    broken = [True]

    def react(position: int, event: Any) -> list[Job]:
        if broken[0]:
            raise RuntimeError("no template for this store")
        return welcome_jobs(position, event)

    queue = RecordingQueue()
    reactions = runner(orion, engine, queue, Reaction("fragile", (REGISTERED,), react))
    start = head(orion)
    store = register(orion)
    failing = head(orion)
    reactions.run_once()
    status = reactions.status("fragile")
    assert (status.kind, status.state, status.position) == ("reaction", "failed", start)
    assert (status.error_position, status.error_topic) == (failing, REGISTERED)
    assert "no template for this store" in (status.error or "")
    assert status.generation is None and not status.stalled
    broken[0] = False
    assert reactions.run_once() == 0  # it waits for its back-off...
    reactions.resume("fragile")  # ...unless resumed
    reactions.run_until_caught_up(timeout=10)
    status = reactions.status("fragile")
    assert (status.state, status.error, status.position) == ("running", None, head(orion))
    assert status.moved_at is not None
    assert queue.jobs == [("jobs.welcome", (str(store),), f"fragile-{failing}-0")]


def test_a_reaction_has_no_tables_to_rebuild(orion: Orion, engine: Engine) -> None:
    reactions = runner(orion, engine, RecordingQueue())
    with pytest.raises(NotRebuildableError):
        reactions.request_rebuild("welcome")


def test_positions_of_the_former_table_are_carried_over_once(orion: Orion, engine: Engine) -> None:
    """Reactions kept their positions in ``orion_reactions`` before they shared the tracking
    table: the first set-up takes them from there, and the table goes."""
    before = head(orion)
    store = register(orion)  # queued by "welcome" only if it starts where it was
    former = Table(
        "orion_reactions",
        MetaData(),
        Column("name", String(64), primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True)),
    )
    with engine.begin() as conn:
        former.create(conn)
        conn.execute(former.insert(), [{"name": "welcome", "position": before}])
    queue = RecordingQueue()
    reactions = runner(orion, engine, queue)
    assert reactions.positions() == {"welcome": before}
    assert not inspect(engine).has_table("orion_reactions")
    reactions.run_until_caught_up(timeout=10)
    assert [args for _, args, _ in queue.jobs] == [(str(store),)]
    runner(orion, engine, queue)  # set up again: nothing carried over twice
    assert reactions.positions() == {"welcome": head(orion)}
