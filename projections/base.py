"""What a projection author needs: the ``Projection`` base, the ``EventEnvelope`` each handler
gets, and the ``Writer`` it writes rows through.

A projection is a name, the topics it reads, its tables, and a handler per event. The follower
(``adapters.follower``) calls ``handle`` for each event of a batch and commits the rows with the
projection's position in one transaction: a handler only reads and writes through ``w``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, MetaData, Table

from projections.writer import Writer

__all__ = ["EventEnvelope", "Projection", "Writer"]


class Projection:
    """A read model: a name, the topics it handles, its tables, and a handler per event."""

    name: str = ""
    # Event topics this projection reads; empty means every event (the audit log).
    topics: tuple[str, ...] = ()

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        """The tables of one generation; ``suffix`` (``_g<N>``) ends each table's name."""
        raise NotImplementedError

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        raise NotImplementedError

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        """Load, in a few queries, the rows the batch's handlers will read (optional)."""

    def finish(self, w: Writer) -> None:
        """Called once per batch after the last ``handle``, before the rows are written."""

    def create_extras(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        """Dialect-specific objects beside the tables (generated columns, triggers)."""

    def create_extra_indexes(self, conn: Connection, tables: dict[str, Table], suffix: str) -> None:
        """Dialect-specific indexes; a rebuild creates them after its bulk load, not before."""

    def drop_extras(self, conn: Connection, suffix: str) -> None:
        """Drop what ``create_extras`` made."""


class EventEnvelope(NamedTuple):
    """A decoded event with where it stands in the log and the metadata of its command.

    (A named tuple: a rebuild makes one per event, and a frozen dataclass is slower to make.)"""

    position: int
    topic: str
    event: Any
    meta: dict[str, Any]

    @property
    def event_type(self) -> str:
        return self.topic.split(":", 1)[-1]
