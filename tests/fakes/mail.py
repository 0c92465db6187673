"""An in-memory ``Mailer``: what was sent, in order; an address it refuses fails like an SMTP
relay's refusal, so that a test can see what a failed send leaves behind."""

from __future__ import annotations

from application.mail import Mailer, MailMessage


class MailRefusedError(RuntimeError):
    """The fake relay refused the recipient."""


class FakeMailer:
    def __init__(self, *, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.sent: list[MailMessage] = []

    def send(self, message: MailMessage) -> None:
        if message.to in self.refuse:
            raise MailRefusedError(f"recipient refused: {message.to}")
        self.sent.append(message)

    def to(self, address: str) -> list[MailMessage]:
        return [m for m in self.sent if m.to == address]


_check: Mailer = FakeMailer()
