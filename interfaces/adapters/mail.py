"""Mailers: SMTP for production, an outbox directory of .eml files by default, the console.

Mails carry single-use tokens (invitations, password resets): nothing here logs a body or
writes one anywhere but to its recipient, except ``ConsoleMailer``, which an operator chooses.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import smtplib
import ssl
import tempfile
import uuid
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from application.mail import Mailer, MailMessage

log = logging.getLogger("orion.mail")

DEFAULT_SENDER = "Orion <no-reply@localhost>"


def build_email(message: MailMessage, sender: str) -> Message:
    """The RFC 5322 message: text, plus an HTML alternative when there is one.

    Built with the email package's compat32 classes (``MIMEText``, ``MIMEMultipart``): the
    ``EmailMessage`` API parses every header as it is set and refolds it when written, 3-4
    times the CPU (1.1 ms a mail, measured), and a worker writes one mail per order. What that
    API also did, we do here: refuse line breaks in a header (injection), and encode non-ASCII
    text (RFC 2047 words in headers, UTF-8 bodies)."""
    text = _part(message.text, "plain")
    if message.html is None:
        email: Message = text
    else:
        email = MIMEMultipart("alternative")
        email.attach(text)
        email.attach(_part(message.html, "html"))
    sender = message.headers.get("From", sender)
    email["From"] = _address_header(sender)
    email["To"] = _address_header(message.to)
    email["Subject"] = _text_header(message.subject)
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain=_domain_of(sender))
    for name, value in message.headers.items():
        if name.lower() not in ("from", "to", "subject"):
            email[name] = _text_header(value)
    return email


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in the raw mail, unlike base64


def _part(content: str, subtype: str) -> MIMEText:
    if content.isascii():
        return MIMEText(content, subtype, "us-ascii")
    return MIMEText(content, subtype, _UTF8_QP)  # type: ignore[arg-type]


def _checked(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("a mail header must not contain a line break")
    return value


def _text_header(value: str) -> str | Header:
    value = _checked(value)
    return value if value.isascii() else Header(value, "utf-8")


def _address_header(value: str) -> str:
    """One address, its display name encoded when not ASCII ("Café <a@b.lu>")."""
    value = _checked(value)
    if value.isascii():
        return value
    name, address = parseaddr(value)
    if not address.isascii():
        raise ValueError("a mail address must be ASCII")
    return formataddr((name, address), charset="utf-8")


def _domain_of(address: str) -> str:
    domain = address.rpartition("@")[2].strip(" >")
    return domain or "localhost"


class SmtpMailer:
    """Sends through an SMTP server given as a URL.

    ``smtp://user:pass@host:587``: STARTTLS whenever the server offers it; credentials are never
    sent over an unencrypted connection, except to a loopback address. ``smtps://host:465``:
    implicit TLS. A connection per message: mails are few, and a pooled connection would go stale.
    """

    def __init__(
        self,
        url: str,
        *,
        sender: str = DEFAULT_SENDER,
        timeout: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("the SMTP URL must start with smtp:// or smtps://")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: MailMessage) -> None:
        email = build_email(message, self.sender)
        with self._connect() as smtp:
            if self.username is not None:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)
        # The recipient is personal data and the subject may be too: log neither.
        log.info("mail sent via %s:%s (%s)", self.host, self.port, email["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
            elif self.username is not None and not _is_loopback(self.host):
                raise smtplib.SMTPNotSupportedError(
                    f"{self.host} does not offer STARTTLS: refusing to send credentials in clear"
                )
        except BaseException:
            smtp.close()
            raise
        return smtp


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FileOutboxMailer:
    """Writes each message as one .eml file in a directory (the embedded default).

    Written to a temporary file and renamed, so a reader of the directory never sees half a mail.
    """

    def __init__(self, directory: str | os.PathLike[str], *, sender: str = DEFAULT_SENDER) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        email = build_email(message, self.sender)
        name = f"{formatdate_compact()}-{uuid.uuid4().hex}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(email.as_bytes())
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        log.info("mail written to the outbox: %s", name)


def formatdate_compact() -> str:
    """A UTC timestamp that sorts the outbox in sending order."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


class ConsoleMailer:
    """Logs the whole mail at INFO, body included: for a developer who asked for it."""

    def __init__(self, *, sender: str = DEFAULT_SENDER) -> None:
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        email = build_email(message, self.sender)
        log.info("mail (console mailer):\n%s", email.as_string())


class _MailSettings(Protocol):
    smtp_url: str | None
    mail_outbox: str
    mail_from: str


def mailer_from_settings(settings: _MailSettings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, sender=settings.mail_from)
    if settings.mail_outbox == "console":
        return ConsoleMailer(sender=settings.mail_from)
    return FileOutboxMailer(settings.mail_outbox, sender=settings.mail_from)
