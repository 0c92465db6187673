"""Store list for platform admins, and the code → store lookup the storefront uses."""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from domain.shared.topics import topics_of
from domain.stores.aggregates import ACTIVE, SUSPENDED, Store
from projections.base import EventEnvelope, Projection
from projections.stores.tables import define_tables
from projections.text import fold
from projections.writer import Writer


class StoresProjection(Projection):
    name = "stores"
    topics = topics_of(Store.Registered, Store.DetailsChanged, Store.Suspended, Store.Reactivated)

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_tables(metadata, suffix)

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        e = envelope.event
        common = {"version": e.originator_version, "updated_at": e.timestamp}
        if isinstance(e, Store.Registered):
            w.insert(
                "stores",
                {
                    "store_id": e.originator_id,
                    "code": e.code,
                    "name": e.name,
                    "name_folded": fold(e.name),
                    "country": e.country,
                    "currency": e.currency,
                    "locale": e.locale,
                    "status": ACTIVE,
                    "suspension_reason": None,
                    "created_at": e.timestamp,
                    **common,
                },
            )
        elif isinstance(e, Store.DetailsChanged):
            w.patch(
                "stores",
                e.originator_id,
                name=e.name,
                name_folded=fold(e.name),
                country=e.country,
                locale=e.locale,
                **common,
            )
        elif isinstance(e, Store.Suspended):
            w.patch(
                "stores", e.originator_id, status=SUSPENDED, suspension_reason=e.reason, **common
            )
        elif isinstance(e, Store.Reactivated):
            w.patch("stores", e.originator_id, status=ACTIVE, suspension_reason=None, **common)
