"""Where jobs go: RQ on Redis, or (embedded default) a thread in this process.

A job is a name ("workers.mail.send_mail") and JSON-like arguments: ids, never secrets or
personal data, since Redis keeps them. Both queues run jobs from the same job table (name ->
the job with its collaborators bound, built by the composition root): the in-process queue
directly, RQ through ``orion worker``, whose jobs look their name up in it (``rq_job_class``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job as RQJob

log = logging.getLogger("orion.workers.queue")

QUEUE_NAME = "orion"
RETRY_INTERVALS = (10, 60, 300)
_INVALID_JOB_ID = re.compile(r"[^A-Za-z0-9_-]")

# Job name -> the job, its collaborators bound (``workers.table``).
JobTable = Mapping[str, Callable[..., Any]]


class UnknownJobError(LookupError):
    """A queued job's name is not in this process's job table."""


class JobQueue(Protocol):
    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        """Queue ``func(*args)``. A ``job_id`` queued or recently run is not queued again.
        ``timeout``: seconds the job may run (RQ's default, 180, when not given)."""
        ...


class RQJobQueue:
    """RQ on Redis; ``orion worker`` runs the jobs (retried 3 times: 10 s, 1 min, 5 min)."""

    def __init__(self, redis_url: str, name: str = QUEUE_NAME) -> None:
        self.connection = redis.Redis.from_url(
            redis_url, socket_timeout=10, socket_connect_timeout=5
        )
        self.queue = Queue(name, connection=self.connection)

    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        if job_id is not None:
            # RQ accepts letters, digits, "_" and "-" only ("identity.mails:42:0" is refused).
            job_id = _INVALID_JOB_ID.sub("_", job_id)
        try:
            self.queue.enqueue_call(
                func,
                args=args,
                job_id=job_id,
                # A job id already in Redis (queued, running, retrying, failed) is not queued
                # again: a reactor that repeats itself after a crash does not double the work.
                unique=job_id is not None,
                retry=Retry(max=3, interval=list(RETRY_INTERVALS)),
                timeout=timeout,
            )
        except DuplicateJobError:
            log.debug("job %s is already queued", job_id)


def find_job(table: JobTable, name: str | None) -> Callable[..., Any]:
    try:
        return table[name or ""]
    except KeyError:
        raise UnknownJobError(f"no job named {name!r} in Orion's job table") from None


def rq_job_class(table: JobTable) -> type[RQJob]:
    """An RQ job class whose function is the job of its name in ``table`` (RQ's own imports
    the name as a dotted path): ``orion worker`` gives it to its RQ worker."""

    class OrionJob(RQJob):
        @property
        def func(self) -> Callable[..., Any]:
            return find_job(table, self.func_name)

    return OrionJob


class InlineJobQueue:
    """Jobs run in this process, one at a time, on one daemon thread started on first use.

    A failing job is logged and tried again after ``retry_intervals`` (3 retries by default);
    the thread itself never dies of a job. Jobs still queued when the process exits are lost,
    which is why the reaction runner moves past an event only once its jobs here have run.
    """

    def __init__(
        self,
        table: JobTable,
        *,
        retry_intervals: Sequence[float] = (1.0, 5.0, 30.0),
        remember_seconds: float = 600.0,
    ) -> None:
        self.table = table
        self.retry_intervals = tuple(retry_intervals)
        # (run at, sequence, func, args, job id, attempt): a heap, so retries can wait.
        self._pending: list[tuple[float, int, str, tuple[Any, ...], str | None, int]] = []
        self._queued_ids: set[str] = set()
        # Finished job ids, remembered for a while (as RQ keeps a finished job for 500 s), so
        # that a reactor repeating itself does not run a job again.
        self._done: dict[str, float] = {}
        self.remember_seconds = remember_seconds
        self._running = 0
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def enqueue(
        self, func: str, *args: Any, job_id: str | None = None, timeout: int | None = None
    ) -> None:
        # (No time limit here: a job runs on this process's one job thread.)
        with self._cond:
            if job_id is not None:
                if job_id in self._queued_ids or self._done.get(job_id, 0.0) > time.monotonic():
                    return
                self._queued_ids.add(job_id)
            heapq.heappush(
                self._pending, (time.monotonic(), next(self._seq), func, args, job_id, 0)
            )
            self._ensure_thread()
            self._cond.notify_all()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job (retries included) has finished; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued (up to ``timeout``), then stop the thread."""
        self.drain(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="orion-jobs", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    wait = self._pending[0][0] - time.monotonic() if self._pending else None
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _, _, func, args, job_id, attempt = heapq.heappop(self._pending)
                self._running += 1
            try:
                self._run(func, args, job_id, attempt)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def _run(self, func: str, args: tuple[Any, ...], job_id: str | None, attempt: int) -> None:
        retry = False
        try:
            find_job(self.table, func)(*args)
        except Exception:
            retry = attempt < len(self.retry_intervals)
            log.exception(
                "job %s (%s) failed (attempt %d)%s",
                func,
                job_id or "no id",
                attempt + 1,
                ", will retry" if retry else ", giving up",
            )
        with self._cond:
            if retry:
                at = time.monotonic() + self.retry_intervals[attempt]
                heapq.heappush(
                    self._pending, (at, next(self._seq), func, args, job_id, attempt + 1)
                )
            elif job_id is not None:
                self._queued_ids.discard(job_id)
                now = time.monotonic()
                if len(self._done) > 10_000:
                    self._done = {k: t for k, t in self._done.items() if t > now}
                self._done[job_id] = now + self.remember_seconds


class _QueueSettings(Protocol):
    redis_url: str | None


def job_queue_from_settings(settings: _QueueSettings, table: JobTable) -> JobQueue:
    """RQ when Redis is configured; else the in-process queue, which runs jobs from ``table``."""
    if settings.redis_url:
        return RQJobQueue(settings.redis_url)
    return InlineJobQueue(table)
