"""The record of a command run under an Idempotency-Key (id derived from actor, command, key)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.shared.aggregate import OrionAggregate
from domain.shared.topics import stable_topics


@stable_topics("platform", was="domain.shared.idempotency")
class IdempotencyRecord(OrionAggregate):
    class Recorded(OrionAggregate.Created):
        fingerprint: str
        result_id: UUID
        result_version: int

    def __init__(self, fingerprint: str, result_id: UUID, result_version: int) -> None:
        self.fingerprint = fingerprint
        self.result_id = result_id
        self.result_version = result_version

    @classmethod
    def record(
        cls,
        *,
        record_id: UUID,
        fingerprint: str,
        result_id: UUID,
        result_version: int,
        at: datetime,
    ) -> IdempotencyRecord:
        return cls._create(
            cls.Recorded,
            id=record_id,
            timestamp=at,
            fingerprint=fingerprint,
            result_id=result_id,
            result_version=result_version,
        )
