"""Where commands read aggregates from, and the caches behind those reads.

Every read goes through the ``Repository`` that ``Platform`` owns. Outside a command, and in a
command that declares nothing, an aggregate is read from the log (the library's repository: a
snapshot and the events since, its own cache asking the log what changed). A command may
declare, once, that it reads ``KEPT`` (checkout does); its unit of work then reads:

- reference aggregates (``REFERENCE``: a store, its commerce and tax settings, its shipping
  rates and its stock locations), which commands consult and almost never change, as read at most
  ``RECENT_SECONDS`` ago. This process's own saves are seen at once; another process's within
  ``RECENT_SECONDS``, the race a fresh read has, a little wider. Shared: read, never change.
- the aggregates the command saves again (``KEPT_TYPES``: carts and stock items), as this
  process last saved them, without asking the log whether they moved on (a round trip each).
  A copy gone stale (another process changed the aggregate) does no harm: saving it conflicts
  on its version and the command decides again on fresh reads; a refusal decided on kept
  copies is checked again on fresh reads, and so is a decision that does not save every copy
  it read (it may have passed over one that looked used up). A copy that went stale is not
  used for ``CONTENDED_SECONDS``.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from domain.cart.aggregates import Cart
from domain.inventory.aggregates import Locations, StockItem
from domain.orders.aggregates import CommerceSettings
from domain.shipping.aggregates import ShippingRates
from domain.stores.aggregates import Store
from domain.tax.aggregates import TaxSettings

A = TypeVar("A", bound=Aggregate)


class Reads(Enum):
    """How fresh a command's reads must be."""

    LOG = "log"  # every read from the log
    KEPT = "kept"  # reference aggregates as read recently, saved ones from kept copies


LOG, KEPT = Reads.LOG, Reads.KEPT
REFERENCE: frozenset[type[Aggregate]] = frozenset(
    {Store, CommerceSettings, TaxSettings, ShippingRates, Locations}
)
KEPT_TYPES: frozenset[type[Aggregate]] = frozenset({Cart, StockItem})
RECENT_SECONDS = 1.0  # how stale a reference aggregate may be, for another process's changes
RECENT_MAX = 10_000
SAVED_MAX = 2_000  # kept copies of what this process saved last
# After a kept copy went stale (another process changes that aggregate too), it is read from the
# log for this long: a copy that keeps going stale costs a wasted decision and save each time.
CONTENDED_SECONDS = 10.0


class Repository:
    def __init__(
        self,
        app: Application[UUID],
        *,
        reference: Iterable[type[Aggregate]] = REFERENCE,
        kept: Iterable[type[Aggregate]] = KEPT_TYPES,
    ) -> None:
        self.app = app
        self.reference = frozenset(reference)
        self.kept_types = frozenset(kept)
        self._recent: dict[UUID, tuple[float, Aggregate | None]] = {}
        # Copies of what this process last saved; never handed out, only copies of them.
        self._kept: dict[UUID, Aggregate] = {}
        self._contended: dict[UUID, float] = {}  # aggregate id -> when a kept copy went stale
        self._local = threading.local()  # the unit of work this thread is in, if any

    # -- reading ------------------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: UUID, *, version: int | None = None) -> A | None:
        """The aggregate (at ``version`` if given), as fresh as the command being decided in
        this thread declared; outside a command, from the log."""
        unit: UnitOfWork | None = getattr(self._local, "unit", None)
        if unit is not None and version is None:
            return unit.find(cls, aggregate_id)
        return self.from_log(cls, aggregate_id, version=version)

    def from_log(self, cls: type[A], aggregate_id: UUID, *, version: int | None = None) -> A | None:
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def recent(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """A reference aggregate as read at most ``RECENT_SECONDS`` ago (shared: never change
        it). What does not exist is remembered too: most stores have no settings of their own."""
        now = time.monotonic()
        known, found = self._remembered(aggregate_id, now)
        if not known:
            found = self.from_log(Aggregate, aggregate_id)
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
        """``(True, aggregate)`` when ``recent`` would answer from memory, without a read (for
        the event loop, which must not wait for the database); else ``(False, None)``."""
        known, found = self._remembered(aggregate_id, time.monotonic())
        return known, found if isinstance(found, cls) else None

    def _remembered(self, aggregate_id: UUID, now: float) -> tuple[bool, Aggregate | None]:
        known = self._recent.get(aggregate_id)
        if known is None or now - known[0] >= RECENT_SECONDS:
            return False, None
        return True, known[1]

    def kept_copy(self, aggregate_id: UUID) -> Aggregate | None:
        """A copy of what this process last saved of it, unless it went stale lately."""
        kept = self._kept.get(aggregate_id)
        if kept is None or self._is_contended(aggregate_id):
            return None
        return copy.deepcopy(kept)

    # -- units of work ------------------------------------------------------------------------

    @contextmanager
    def unit_of_work(self, reads: Reads) -> Iterator[UnitOfWork]:
        """The unit of work of one command, which this thread's reads go through until it ends."""
        outer = getattr(self._local, "unit", None)
        unit = self._local.unit = UnitOfWork(self, reads)
        try:
            yield unit
        finally:
            self._local.unit = outer

    def saved(self, aggregates: Sequence[Aggregate]) -> None:
        """After a save: forget what was remembered of them, keep a copy of the kept types."""
        kept = self._kept
        for aggregate in aggregates:
            self._recent.pop(aggregate.id, None)
            if type(aggregate) not in self.kept_types:
                continue
            before = kept.pop(aggregate.id, None)  # to the end of the order: the most recent
            if before is not None and before.version > aggregate.version:
                aggregate = before  # another thread saved a later version meanwhile
            else:
                aggregate = copy.deepcopy(aggregate)
            kept[aggregate.id] = aggregate
        if len(kept) > SAVED_MAX:
            for stale in list(kept)[: len(kept) - SAVED_MAX // 2]:
                kept.pop(stale, None)

    def forget_kept(self, aggregates: Sequence[Aggregate]) -> None:
        for aggregate in aggregates:
            self._kept.pop(aggregate.id, None)

    def contend(self, ids: Iterable[UUID]) -> None:
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


class UnitOfWork:
    """One command's reads, over every attempt at its decision, and the kept-copy rules that
    keep a decision taken on kept copies as safe as one taken on fresh reads."""

    def __init__(self, repository: Repository, reads: Reads) -> None:
        self.repository = repository
        self.reads = reads
        self.fresh = reads is LOG  # no kept copies (any more): after a conflict or a refusal
        self.kept: set[UUID] = set()  # the kept copies the current attempt read

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        repository = self.repository
        if self.reads is KEPT:
            if cls in repository.reference:
                return repository.recent(cls, aggregate_id)
            if not self.fresh and cls in repository.kept_types:
                kept = repository.kept_copy(aggregate_id)
                if kept is not None:
                    self.kept.add(aggregate_id)
                    return kept if isinstance(kept, cls) else None
        return repository.from_log(cls, aggregate_id)

    def attempt(self) -> None:
        """A new attempt at the decision: it has read nothing yet."""
        self.kept = set()

    @property
    def on_kept_copies(self) -> bool:
        """The current attempt read kept copies (and is not already deciding on fresh reads)."""
        return bool(self.kept) and not self.fresh

    def refused(self) -> bool:
        """The decision refused the command: True to decide again on fresh reads, when it
        was decided on kept copies (one of them may be stale: restocked since, say)."""
        again = self.on_kept_copies
        self.fresh = self.fresh or again
        return again

    def ready_to_save(self, aggregates: Sequence[Aggregate]) -> bool:
        """False to decide again on fresh reads: a kept copy read and not changed would not have
        its version checked by the save (it may have been passed over as used up)."""
        if self.on_kept_copies and not self.kept <= {a.id for a in aggregates if a.pending_events}:
            self.fresh = True
            return False
        return True

    def conflicted(self, aggregates: Sequence[Aggregate]) -> bool:
        """The save lost a race: no copy of what it tried to save is kept. True to decide again
        on fresh reads, when kept copies were read (perhaps only one of them was stale); those
        are read from the log for a while."""
        self.repository.forget_kept(aggregates)
        again = self.on_kept_copies
        if again:
            self.repository.contend(self.kept)
            self.fresh = True
        return again

    def committed(self, aggregates: Sequence[Aggregate]) -> None:
        self.repository.saved(aggregates)
