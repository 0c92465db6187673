"""Jobs run from the job table the composition root builds: every job Orion queues is in it,
by the name Redis keeps; ``orion worker`` runs jobs from it; a bare ``rq worker``, which
imports the name instead, refuses the job and says what to run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job as RQJob
from rq.job import JobStatus

from adapters.queue import QUEUE_NAME, RQJobQueue, UnknownJobError, find_job
from adapters.scheduler import DEFAULT_SCHEDULES
from application.identity.accounts import REQUEST_RESET_JOB
from application.inventory.jobs import RELEASE_EXPIRED_HOLDS
from application.orders.jobs import CANCEL_OVERDUE_ORDERS
from application.reactions import SEND_MAIL, SEND_MAILS
from interfaces.bootstrap import Orion
from workers.job import Job, JobNotBoundError
from workers.mail import send_mail

REPO = Path(__file__).resolve().parents[3]
# The names jobs were queued under before the job table (RQ imported them): Redis may still
# hold such jobs, so they must stay names of the table.
NAMES_IN_REDIS = (
    "workers.mail.send_mail",
    "workers.mail.send_mails",
    "workers.orders.cancel_overdue_orders",
    "workers.inventory.release_expired_holds",
    "workers.identity.request_password_reset",
)


def test_every_job_orion_queues_is_in_the_table(orion: Orion) -> None:
    queued = {SEND_MAIL, SEND_MAILS, REQUEST_RESET_JOB, CANCEL_OVERDUE_ORDERS}
    queued |= {RELEASE_EXPIRED_HOLDS, *(s.func for s in DEFAULT_SCHEDULES)}
    assert queued <= set(orion.job_table)
    assert set(NAMES_IN_REDIS) <= set(orion.job_table)
    with pytest.raises(UnknownJobError, match=r"workers\.pdf\.render"):
        find_job(orion.job_table, "workers.pdf.render")


def test_a_job_called_without_its_collaborators_says_what_to_run() -> None:
    assert isinstance(send_mail, Job)
    with pytest.raises(JobNotBoundError, match="orion worker"):
        send_mail("test.welcome", {"user_id": "u1"}, "k1")


def test_a_bare_rq_worker_refuses_orion_jobs(
    redis_url: str, redis_ns: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = RQJobQueue(redis_url, name=redis_ns)
    queue.enqueue(SEND_MAIL, "test.welcome", {"user_id": "u1"}, "k1", job_id=f"{redis_ns}-bare")
    connection = redis.Redis.from_url(redis_url)
    # RQ's own job class: the function is what the name imports, unbound.
    bare = SimpleWorker(
        [Queue(redis_ns, connection=connection)], connection=connection, name=f"{redis_ns}-bare"
    )
    with caplog.at_level(logging.ERROR, logger="rq.worker"):
        bare.work(burst=True)
    job = RQJob.fetch(f"{redis_ns}-bare", connection=connection)
    assert job.get_status() == JobStatus.SCHEDULED  # failed, kept for a retry by `orion worker`
    # What the bare worker's log says.
    assert "JobNotBoundError" in caplog.text
    assert "run it with `orion worker`" in caplog.text


def test_orion_worker_runs_queued_jobs_from_the_table(redis_url: str, tmp_path: Path) -> None:
    """``orion worker`` itself, in a process of its own, runs a job queued under its name."""
    # A database of its own (as the priority test's): its queue "orion" is no one else's.
    own_db = urlunsplit(urlsplit(redis_url)._replace(path="/15"))
    job_id = f"orion-test-{uuid.uuid4().hex[:12]}"
    RQJobQueue(own_db).enqueue(RELEASE_EXPIRED_HOLDS, job_id=job_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORION_")}
    env.update(
        PYTHONPATH=str(REPO),
        ORION_DATABASE_URL=f"sqlite:///{tmp_path}/orion.db",
        ORION_REDIS_URL=own_db,
        ORION_MAIL_OUTBOX=str(tmp_path / "outbox"),
        ORION_SECRET_KEY_FILE=str(tmp_path / "secret.key"),
    )
    connection = redis.Redis.from_url(own_db)
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from interfaces.cli import main; main()", "worker", "--burst"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        job = RQJob.fetch(job_id, connection=connection)
        assert job.get_status() == JobStatus.FINISHED, job.latest_result()
        assert job.return_value() == 0  # an empty shop: no hold to release
    finally:
        Queue(QUEUE_NAME, connection=connection).finished_job_registry.remove(job_id)
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
