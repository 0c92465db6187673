"""The platform's one event log and its one write path.

Every command runs through :meth:`Platform.execute`: it checks the idempotency key, lets the use
case decide (load aggregates, call them), stamps the command's metadata on every new event, and
saves all touched aggregates in a single atomic ``save()``. Nothing else writes events, so the
write strategy, idempotency and metadata live here only. What a command reads, and the caches
behind its reads, are the repository's (``application.repository``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    RecordConflictError,
    Transcoding,
)

from application.context import CommandContext
from application.ports import Clock, SystemClock
from application.repository import LOG, Reads, Repository
from domain.identity.aggregates import Session
from domain.inventory.aggregates import StockItem
from domain.invoices.aggregates import InvoiceSeries
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
    # A number series gains an event per invoice of its store's year.
    snapshotting_intervals = {  # noqa: RUF012
        Store: 50,
        Session: 20,
        StockItem: 50,
        InvoiceSeries: 50,
    }

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
    def __init__(
        self,
        app: OrionApplication,
        clock: Clock | None = None,
        repository: Repository | None = None,
    ) -> None:
        self.app = app
        self.clock: Clock = clock or SystemClock()
        self.listeners: list[CommitListener] = []
        # Where every read goes, and what it caches (see ``application.repository``).
        self.repository = repository or Repository(app)

    # -- reading aggregates ------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: UUID, *, version: int | None = None) -> A | None:
        """The aggregate, at ``version`` if given; as fresh as the command being decided in this
        thread declared (``execute``'s ``reads``), from the log outside a command."""
        return self.repository.find(cls, aggregate_id, version=version)

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
        self,
        ctx: CommandContext,
        command: str,
        decide: Callable[[datetime], Decision],
        *,
        reads: Reads = LOG,
    ) -> CommandResult:
        """Runs a command: ``decide`` reads what it needs (through ``find``, as fresh as
        ``reads`` says: every read from the log unless the command declares ``KEPT``) and
        changes aggregates; all it touched is saved in one ``save()``. A lost race decides
        again when the decision says how (``Decision.retry``); a decision taken on kept
        copies is checked as the unit of work requires (``application.repository``)."""
        record_id = self._idempotency_id(ctx, command)
        if record_id is not None:
            earlier = self._replay(ctx, record_id)
            if earlier is not None:
                return earlier
        at = self.clock.now()
        with self.repository.unit_of_work(reads) as unit:
            attempt = decide
            while True:
                unit.attempt()
                try:
                    decision = attempt(at)
                except OrionError as error:
                    if unit.refused():
                        continue  # decided on kept copies: ask the log, then refuse
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
                if not unit.ready_to_save(aggregates):
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
                except (IntegrityError, RecordConflictError):
                    fresh_again = unit.conflicted(aggregates)
                    if record_id is not None:
                        # A concurrent retry with the same key won the race: answer as it did.
                        earlier = self._replay(ctx, record_id)
                        if earlier is not None:
                            return earlier
                    if fresh_again:
                        # Perhaps only a kept copy was stale: decide again on fresh reads.
                        attempt = decision.retry or attempt
                        continue
                    if decision.retry is not None:
                        attempt = decision.retry
                        continue
                    self._tell(command, "conflict", 0, 0)
                    if decision.on_conflict is not None:
                        raise decision.on_conflict() from None
                    raise ConflictError(
                        "the resource was changed concurrently; reload it and try again"
                    ) from None
                unit.committed(aggregates)
                break
        position = max((r.notification.id for r in recordings), default=self.head())
        self._tell(command, "ok", len(recordings), position)
        return CommandResult(decision.primary.id, decision.primary.version, position)

    def _idempotency_id(self, ctx: CommandContext, command: str) -> UUID | None:
        if not ctx.idempotency_key:
            return None
        return idempotency_record_id(f"{ctx.actor}:{command}", ctx.idempotency_key)

    def _replay(self, ctx: CommandContext, record_id: UUID) -> CommandResult | None:
        # Almost every key is new: one look at the log answers that (a full read would also
        # look for a snapshot first).
        if not list(self.app.events.get(record_id, limit=1)):
            return None
        record = self.repository.from_log(IdempotencyRecord, record_id)
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


def _unique(aggregates: Sequence[Aggregate]) -> list[Aggregate]:
    seen: dict[UUID, Aggregate] = {}
    for aggregate in aggregates:
        seen.setdefault(aggregate.id, aggregate)
    return list(seen.values())
