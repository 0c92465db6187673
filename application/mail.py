"""Mail as the application sees it: a message, the port that sends it, and the composers.

Jobs never carry a mail's body, address or token (they would sit in Redis): they carry a
``kind`` and ids, and the composer registered for that kind looks the rest up when the job runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Extra headers (Reply-To, List-Unsubscribe, …); a "From" here overrides the mailer's sender.
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None: ...


# Builds the message for one reference; None means there is nothing to send any more (the
# recipient was erased, the invitation revoked, …).
Composer = Callable[[dict[str, Any]], MailMessage | None]


class UnknownMailKindError(LookupError):
    """No composer is registered for a mail kind."""


class MailComposer:
    """The registry of composers, by kind ("identity.invitation", "orders.confirmation", …)."""

    def __init__(self) -> None:
        self._composers: dict[str, Composer] = {}

    def register(self, kind: str, fn: Composer) -> None:
        self._composers[kind] = fn

    def kinds(self) -> list[str]:
        return sorted(self._composers)

    def compose(self, kind: str, ref: dict[str, Any]) -> MailMessage | None:
        try:
            composer = self._composers[kind]
        except KeyError:
            raise UnknownMailKindError(f"no mail composer registered for {kind!r}") from None
        return composer(ref)
