"""The platform's one event log and its one write path.

Every command runs through :meth:`Platform.execute`: it checks the idempotency key, lets the use
case decide (load aggregates, call them), stamps the command's metadata on every new event, and
saves all touched aggregates in a single atomic ``save()``. Nothing else writes events, so the
write strategy, idempotency and metadata live here only.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    RecordConflictError,
    Transcoding,
)

from application.context import CommandContext
from application.ports import Clock, SystemClock
from domain.identity.aggregates import Session
from domain.inventory.aggregates import StockItem
from domain.shared.errors import (
    ConflictError,
    NotFoundError,
    OrionError,
    PreconditionFailedError,
    ValidationError,
)
from domain.shared.events import META_KEY
from domain.shared.idempotency import IdempotencyRecord
from domain.shared.ids import idempotency_record_id
from domain.stores.aggregates import Store

A = TypeVar("A", bound=Aggregate)
RECENT_SECONDS = 1.0  # how stale ``find_recent`` may be, for changes made in another process
RECENT_MAX = 10_000
SAVED_MAX = 2_000  # aggregates this process saved last, kept for ``find(..., saved=True)``
# After a kept copy went stale (another process changes that aggregate too), it is read from the
# log for this long: a copy that keeps going stale costs a wasted decision and save each time.
CONTENDED_SECONDS = 10.0


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class OrionApplication(Application[UUID]):
    """The platform's single event-sourced application: one recorder, one table, one log."""

    name = "Orion"
    # Busy, long-lived aggregates load from a snapshot plus a few events.
    # Sessions gain an event at every token refresh and are read on every request.
    # Stock items are the busiest aggregates of all: every order and movement of a SKU.
    snapshotting_intervals = {Store: 50, Session: 20, StockItem: 50}  # noqa: RUF012

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _record(self, processing_event: Any) -> Any:
        meta = processing_event.saved_kwargs.pop("orion_meta", None)
        if meta is not None:
            for event in processing_event.events:
                # Events are frozen dataclasses; metadata rides in the stored state under _meta
                # and is ignored by aggregate replay (handlers only take their own parameters).
                object.__setattr__(event, META_KEY, meta)
        return super()._record(processing_event)


def check_version(aggregate: Aggregate, expected_version: int | None) -> None:
    """Optimistic concurrency for ``If-Match``: refuse to act on a version the client never saw."""
    if expected_version is not None and aggregate.version != expected_version:
        raise PreconditionFailedError(
            f"If-Match version {expected_version} is stale; the current version is "
            f"{aggregate.version}",
            current_version=aggregate.version,
        )


@dataclass(frozen=True)
class CommandResult:
    id: UUID
    version: int
    position: int
    replayed: bool = False  # True when an Idempotency-Key matched an earlier command


@dataclass
class Decision:
    """What a use case decided: the aggregate the command answers for and all it touched."""

    primary: Aggregate
    touched: Sequence[Aggregate] = ()
    # Turns a lost race on a deterministic id into the context's own error.
    on_conflict: Callable[[], OrionError] | None = None
    # A decision taken blind (say, claiming SKUs without reading them first, as they are
    # almost always new) names the careful one to take if the save then conflicts.
    retry: Callable[[datetime], Decision] | None = None


CommitListener = Callable[[str, str, int, int], None]  # (command, outcome, n_events, position)


class Platform:
    def __init__(self, app: OrionApplication, clock: Clock | None = None) -> None:
        self.app = app
        self.clock: Clock = clock or SystemClock()
        self.listeners: list[CommitListener] = []
        self._recent: dict[UUID, tuple[float, Aggregate | None]] = {}
        # Copies of what this process last saved, of the types commands read with ``saved``;
        # never handed out, only copies of them.
        self._saved: dict[UUID, Aggregate] = {}
        self._saved_types: set[type[Aggregate]] = set()
        self._contended: dict[UUID, float] = {}  # aggregate id -> when a kept copy went stale
        self._reads = _Reads()

    # -- reading aggregates ------------------------------------------------------------------

    def find(
        self,
        cls: type[A],
        aggregate_id: UUID,
        *,
        version: int | None = None,
        recent: bool = False,
        saved: bool = False,
    ) -> A | None:
        """The aggregate, at ``version`` if given; with ``recent``, see ``find_recent``.

        ``saved``: for a command that saves what it reads (checkout's cart and stock items), a
        copy of the aggregate as this process last saved it, without asking the log whether it
        moved on since (a round trip per aggregate). A copy gone stale, because another process
        changed the aggregate, does no harm: saving it conflicts on its version, and ``execute``
        then decides again on fresh reads; a refusal decided on such copies is checked again on
        fresh reads too, and so is a decision that does not save every copy it read (it may
        have passed over one that looked used up). A copy that went stale is not used for
        ``CONTENDED_SECONDS``. Outside ``execute`` it reads as ``find`` does."""
        if recent:
            return self.find_recent(cls, aggregate_id)
        if saved:
            self._saved_types.add(cls)
        if saved and version is None and self._reads.deciding and not self._reads.fresh:
            kept = self._saved.get(aggregate_id)
            if kept is not None and not self._is_contended(aggregate_id):
                self._reads.kept.add(aggregate_id)
                return copy.deepcopy(kept) if isinstance(kept, cls) else None
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def find_recent(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """A read-mostly aggregate that a command consults but does not change (a store, its
        settings, rates or locations), as read at most ``RECENT_SECONDS`` ago.

        Checkout reads four of them: without this, each is a round trip per order. Commands
        saved in this process forget their aggregates at once; another process's changes are
        seen within ``RECENT_SECONDS`` (the same race a fresh read has, a little wider: nothing
        locks a store's rates while an order is placed). The aggregate is shared: read it,
        never change it."""
        now = time.monotonic()
        known, found = self._remembered(aggregate_id, now)
        if not known:
            try:
                found = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                # Remembered too: most stores have no locations or settings of their own.
                found = None
            if len(self._recent) >= RECENT_MAX:
                # Any id can be asked for (an unknown shop's code, say): drop what is stale
                # first, so that only that many distinct ids a second empty it for everyone.
                self._recent = {
                    k: v for k, v in self._recent.items() if now - v[0] < RECENT_SECONDS
                }
                if len(self._recent) >= RECENT_MAX:
                    self._recent.clear()
            self._recent[aggregate_id] = (now, found)
        return found if isinstance(found, cls) else None

    def recent_if_known(self, cls: type[A], aggregate_id: UUID) -> tuple[bool, A | None]:
        """``(True, aggregate)`` when ``find_recent`` would answer from memory, without a read
        (for the event loop, which must not wait for the database); else ``(False, None)``."""
        known, found = self._remembered(aggregate_id, time.monotonic())
        return known, found if isinstance(found, cls) else None

    def _remembered(self, aggregate_id: UUID, now: float) -> tuple[bool, Aggregate | None]:
        known = self._recent.get(aggregate_id)
        if known is None or now - known[0] >= RECENT_SECONDS:
            return False, None
        return True, known[1]

    def get(
        self,
        cls: type[A],
        aggregate_id: UUID,
        *,
        not_found: Callable[[], NotFoundError],
        expected_version: int | None = None,
    ) -> A:
        aggregate = self.find(cls, aggregate_id)
        if aggregate is None:
            raise not_found()
        check_version(aggregate, expected_version)
        return aggregate

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    # -- the one write path -------------------------------------------------------------------

    def execute(
        self, ctx: CommandContext, command: str, decide: Callable[[datetime], Decision]
    ) -> CommandResult:
        record_id = self._idempotency_id(ctx, command)
        if record_id is not None:
            earlier = self._replay(ctx, record_id)
            if earlier is not None:
                return earlier
        at = self.clock.now()
        reads = self._reads
        outer = (reads.deciding, reads.fresh, reads.kept)  # (never nested today)
        reads.deciding, reads.fresh = True, False
        try:
            attempt: Callable[[datetime], Decision] | None = decide
            while attempt is not None:
                reads.kept = set()
                try:
                    decision = attempt(at)
                except OrionError as error:
                    if reads.kept and not reads.fresh:
                        reads.fresh = True  # decided on kept copies: ask the log, then refuse
                        continue
                    if record_id is not None:
                        # A concurrent retry with the same key committed after our check
                        # above: its effect is what made this decision fail (SKU taken,
                        # already published, stale If-Match). Answer as it did.
                        earlier = self._replay(ctx, record_id)
                        if earlier is not None:
                            return earlier
                    self._tell(command, type(error).__name__, 0, 0)
                    raise
                aggregates = _unique([decision.primary, *decision.touched])
                if reads.kept and not reads.fresh:
                    changed = {a.id for a in aggregates if a.pending_events}
                    if not reads.kept <= changed:
                        # A kept copy that is not saved is not checked by its version: it may
                        # have been passed over as used up when it no longer is.
                        reads.fresh = True
                        continue
                if record_id is not None:
                    aggregates.append(
                        IdempotencyRecord.record(
                            record_id=record_id,
                            fingerprint=ctx.request_fingerprint or "",
                            result_id=decision.primary.id,
                            result_version=decision.primary.version,
                            at=at,
                        )
                    )
                try:
                    recordings = self.app.save(*aggregates, orion_meta=ctx.metadata())
                    break
                except (IntegrityError, RecordConflictError):
                    for aggregate in aggregates:
                        self._saved.pop(aggregate.id, None)
                    if record_id is not None:
                        # A concurrent retry with the same key won the race: answer as it did.
                        earlier = self._replay(ctx, record_id)
                        if earlier is not None:
                            return earlier
                    if reads.kept and not reads.fresh:
                        # Perhaps only a kept copy was stale: decide again on fresh reads, and
                        # read these from the log for a while.
                        self._contend(reads.kept)
                        reads.fresh = True
                        attempt = decision.retry or attempt
                        continue
                    attempt = decision.retry
                    if attempt is not None:
                        continue
                    self._tell(command, "conflict", 0, 0)
                    if decision.on_conflict is not None:
                        raise decision.on_conflict() from None
                    raise ConflictError(
                        "the resource was changed concurrently; reload it and try again"
                    ) from None
        finally:
            reads.deciding, reads.fresh, reads.kept = outer
        for aggregate in aggregates:
            self._recent.pop(aggregate.id, None)
        self._keep_saved(aggregates)
        position = max((r.notification.id for r in recordings), default=self.head())
        self._tell(command, "ok", len(recordings), position)
        return CommandResult(decision.primary.id, decision.primary.version, position)

    def _contend(self, ids: set[UUID]) -> None:
        now = time.monotonic()
        if len(self._contended) >= SAVED_MAX:
            self._contended = {
                k: t for k, t in self._contended.items() if now - t < CONTENDED_SECONDS
            }
        for aggregate_id in ids:
            self._contended[aggregate_id] = now

    def _is_contended(self, aggregate_id: UUID) -> bool:
        since = self._contended.get(aggregate_id)
        return since is not None and time.monotonic() - since < CONTENDED_SECONDS

    def _keep_saved(self, aggregates: Sequence[Aggregate]) -> None:
        """Keep a copy of what was just saved, of the types read with ``saved``."""
        saved = self._saved
        for aggregate in aggregates:
            if type(aggregate) not in self._saved_types:
                continue
            kept = saved.pop(aggregate.id, None)  # to the end of the order: the most recent
            if kept is not None and kept.version > aggregate.version:
                aggregate = kept  # another thread saved a later version meanwhile
            else:
                aggregate = copy.deepcopy(aggregate)
            saved[aggregate.id] = aggregate
        if len(saved) > SAVED_MAX:
            for stale in list(saved)[: len(saved) - SAVED_MAX // 2]:
                saved.pop(stale, None)

    def _idempotency_id(self, ctx: CommandContext, command: str) -> UUID | None:
        if not ctx.idempotency_key:
            return None
        return idempotency_record_id(f"{ctx.actor}:{command}", ctx.idempotency_key)

    def _replay(self, ctx: CommandContext, record_id: UUID) -> CommandResult | None:
        # Almost every key is new: one look at the log answers that (a full read would also
        # look for a snapshot first).
        if not list(self.app.events.get(record_id, limit=1)):
            return None
        record = self.find(IdempotencyRecord, record_id)
        if record is None:
            return None
        if record.fingerprint != (ctx.request_fingerprint or ""):
            raise ValidationError(
                "Idempotency-Key",
                "this key was already used with a different request; use a new key",
            )
        # The original position is not kept; the head of the log is at or after it, so a
        # client that waits for it still reads its own write.
        return CommandResult(record.result_id, record.result_version, self.head(), replayed=True)

    def _tell(self, command: str, outcome: str, n_events: int, position: int) -> None:
        for listener in self.listeners:
            listener(command, outcome, n_events, position)


class _Reads(threading.local):
    """What the command this thread is executing has read so far."""

    def __init__(self) -> None:  # run once in each thread
        self.deciding = False  # inside ``execute``: kept copies may be read
        self.fresh = False  # deciding again after a conflict or a refusal: read the log
        self.kept: set[UUID] = set()  # the kept copies this attempt read


def _unique(aggregates: Sequence[Aggregate]) -> list[Aggregate]:
    seen: dict[UUID, Aggregate] = {}
    for aggregate in aggregates:
        seen.setdefault(aggregate.id, aggregate)
    return list(seen.values())
