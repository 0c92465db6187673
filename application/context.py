"""Who runs a command, and why: stamped as metadata on every event the command writes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from uuid import UUID, uuid4


@dataclass(frozen=True)
class CommandContext:
    actor: str  # "admin:bootstrap", "user:<uuid>", "key:<uuid>", "system:<job>"
    correlation_id: str = field(default_factory=lambda: uuid4().hex)
    idempotency_key: str | None = None
    # A digest of the request (route + body): the same key with another body is refused.
    request_fingerprint: str | None = None
    store_id: UUID | None = None

    def for_store(self, store_id: UUID) -> CommandContext:
        return replace(self, store_id=store_id)

    def metadata(self) -> dict[str, str | None]:
        return {
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "idempotency_key": self.idempotency_key,
            "store_id": str(self.store_id) if self.store_id else None,
        }


SYSTEM = CommandContext(actor="system")
