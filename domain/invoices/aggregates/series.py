"""A store's number series: one per kind of document (invoices, credit notes) and calendar year,
counting 1, 2, 3... with no gap and no number used twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.invoices.values import KINDS
from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_whole
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.shared.topics import stable_topics


@stable_topics("invoices")
class InvoiceSeries(OrionAggregate):
    """The numbers of one (store, kind, year).

    Gap-free under concurrency. ``allocate`` gives the number after the last one, and the
    application saves the series and the document that takes its number in one atomic save.
    Two commands that allocate at once both read the series at version n, and both try to
    record version n + 1 of it: the event store accepts one and refuses the other as a version
    conflict, with everything else that save held (the second document too). The refused command
    decides again on a fresh read and gets the next number. A number is therefore recorded only
    together with the document that shows it (no gap: a refused or failed command saves no
    number), and the series' version makes it taken once (no duplicate). The series' id is
    derived from (store, kind, year), so two commands that open a new year's series at once
    conflict the same way.
    """

    class Created(OrionAggregate.Created):
        store_id: UUID
        kind: str
        year: int

    class NumberAllocated(OrionAggregate.Event):
        number: int

        def apply(self, series: Any) -> None:
            series.last = self.number

    def __init__(self, store_id: UUID, kind: str, year: int) -> None:
        self.store_id = store_id
        self.kind = kind
        self.year = year
        self.last = 0

    @staticmethod
    def id_for(store_id: UUID, kind: str, year: int) -> UUID:
        return store_singleton_id(store_id, f"invoice-series:{kind}:{year}")

    @classmethod
    def create(cls, *, store_id: UUID, kind: str, year: int, at: datetime) -> InvoiceSeries:
        if kind not in KINDS:
            raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
        check_whole(year, "year", low=1000, high=9999)
        return cls._create(
            cls.Created,
            id=cls.id_for(store_id, kind, year),
            timestamp=at,
            store_id=store_id,
            kind=kind,
            year=year,
        )

    def allocate(self, at: datetime) -> int:
        """The next number of the series (the last one + 1), now taken."""
        number = self.last + 1
        self._trigger(self.NumberAllocated, at, number=number)
        return number
