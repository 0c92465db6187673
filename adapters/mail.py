"""Mailers: SMTP for production, an outbox directory of .eml files by default, the console.

Mails carry single-use tokens (invitations, password resets): nothing here logs a body or
writes one anywhere but to its recipient, except ``ConsoleMailer``, which an operator chooses.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import smtplib
import ssl
import tempfile
import uuid
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import unquote, urlsplit

from application.mail import Mailer, MailMessage

log = logging.getLogger("orion.mail")

DEFAULT_SENDER = "Orion <no-reply@localhost>"


def build_email(message: MailMessage, sender: str) -> Message:
    """The RFC 5322 message: text, plus an HTML alternative when there is one.

    Built with the email package's compat32 classes (``MIMEText``, ``MIMEMultipart``): the
    ``EmailMessage`` API parses every header as it is set and refolds it when written, 3-4
    times the CPU (1.1 ms a mail, measured), and a worker writes one mail per order. What that
    API also did, we do here: refuse line breaks in headers (injection), encode non-ASCII text
    (RFC 2047 words in headers, UTF-8 bodies) and keep lines short (quoted-printable). A mail
    with a non-ASCII address or display name, which wants SMTPUTF8 or careful encoding of
    address lists, is left to ``EmailMessage``."""
    sender = message.headers.get("From", sender)
    headers = {
        "From": sender,
        "To": message.to,
        "Subject": message.subject,
        "Date": formatdate(localtime=False, usegmt=True),
        "Message-ID": make_msgid(domain=_domain_of(sender)),
    }
    for name, value in message.headers.items():
        if name.lower() not in ("from", "to", "subject"):
            headers[_checked_name(name)] = value
    for value in headers.values():
        _checked(value)
    if not all(v.isascii() for n, v in headers.items() if n.lower() in ADDRESS_HEADERS):
        return _build_email_message(message, headers)
    text = _part(message.text, "plain")
    if message.html is None:
        email: Message = text
    else:
        email = MIMEMultipart("alternative")
        email.attach(text)
        email.attach(_part(message.html, "html"))
    for name, value in headers.items():
        # (compat32 takes a Header for a value: typeshed's Message says str only.)
        email[name] = value if value.isascii() else cast(str, Header(value, "utf-8"))
    return email


# Headers that hold addresses: with a non-ASCII value, the mail is built by ``EmailMessage``.
ADDRESS_HEADERS = frozenset(
    ("from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to")
)
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322: printable ASCII but the colon
_LINE_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")  # all but the tab

_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in the raw mail, unlike base64
_SHORT_LINES = 78


def _part(content: str, subtype: str) -> MIMEText:
    short = all(len(line) <= _SHORT_LINES for line in content.split("\n"))
    if content.isascii() and short:
        return MIMEText(content, subtype, "us-ascii")
    return MIMEText(content, subtype, _UTF8_QP)  # type: ignore[arg-type]


def _checked(value: str) -> str:
    # Anything str.splitlines() breaks at, and other control characters: compat32 would write
    # them out raw, ending the header block early.
    if _LINE_BREAKS.search(value):
        raise ValueError("a mail header must not contain a line break or a control character")
    return value


def _checked_name(name: str) -> str:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid mail header name")
    return name


def _build_email_message(message: MailMessage, headers: dict[str, str]) -> EmailMessage:
    email = EmailMessage()
    for name, value in headers.items():
        email[name] = value
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email


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
