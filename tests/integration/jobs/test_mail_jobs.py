"""send_mail through real RQ on a real Redis to a real SMTP server; the inline queue; mailers."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import ipaddress
import logging
import smtplib
import socket
import ssl
import threading
import zlib
from dataclasses import replace
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.timeouts import JobTimeoutException

from adapters.claims import MemoryClaims, RedisClaims
from adapters.mail import (
    ConsoleMailer,
    FileOutboxMailer,
    SmtpMailer,
    mailer_from_settings,
)
from adapters.queue import InlineJobQueue, JobTable, RQJobQueue
from application.mail import MailComposer, Mailer, MailMessage
from application.reactions import gather_mails, mail_job
from interfaces.settings import Settings
from tests.integration.jobs.conftest import Inbox, SmtpServer, free_port, rq_worker
from workers.mail import Claims, MailKit, send_mail, send_mails

SEND = "workers.mail.send_mail"
SENDER = "Orion Test <no-reply@orion.test>"
ADDRESS = "alice@example.com"
TOKEN = "tok-3f9a1c-single-use"


# Users whose mail cannot be composed for now (a database outage, say).
UNREADABLE: set[str] = set()
# Users whose mail takes longer than the job may run.
SLOW: set[str] = set()


def welcome(ref: dict[str, Any]) -> MailMessage | None:
    """The test composer: looks the address and the token up from the id."""
    if ref["user_id"] == "erased":
        return None
    if ref["user_id"] in UNREADABLE:
        raise ConnectionError("cannot read the user now")
    if ref["user_id"] in SLOW:
        raise JobTimeoutException("the job's time is up")  # what RQ's alarm raises
    return MailMessage(
        to=ADDRESS,
        subject=f"Welcome {ref['user_id']}",
        text=f"Your link: https://orion.test/accept?token={TOKEN}\n",
        html=f"<p>Your <a href='https://orion.test/accept?token={TOKEN}'>link</a></p>",
    )


def composers() -> MailComposer:
    registry = MailComposer()
    registry.register("test.welcome", welcome)
    return registry


def kit(mailer: Mailer, claims: Claims) -> MailKit:
    return MailKit(mailer, composers(), claims)


def mail_jobs(mail: MailKit) -> JobTable:
    """The mail jobs, bound to ``mail``: the part of Orion's job table these tests run."""
    return {send_mail.name: send_mail.bind(mail), send_mails.name: send_mails.bind(mail)}


def run_worker(redis_url: str, queue_name: str, mail: MailKit) -> None:
    rq_worker(redis_url, queue_name, mail_jobs(mail)).work(burst=True)


def parse(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


# -- RQ on Redis -------------------------------------------------------------------------------


def test_rq_job_delivers_the_composed_mail(
    redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> None:
    mail = kit(
        SmtpMailer(smtp_server.url, sender=SENDER),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    queue = RQJobQueue(redis_url, name=redis_ns)
    job = mail_job("test.welcome", {"user_id": "u1"}, dedupe_key=f"welcome:u1:{redis_ns}")
    queue.enqueue(job.func, *job.args, job_id=f"{redis_ns}-1")

    run_worker(redis_url, redis_ns, mail)

    assert len(smtp_server.inbox.envelopes) == 1
    envelope = smtp_server.inbox.envelopes[0]
    assert envelope.mail_from == "no-reply@orion.test"
    assert envelope.rcpt_tos == [ADDRESS]
    message = parse(envelope)
    assert message["From"] == SENDER
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Welcome u1"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert TOKEN in text.get_content()
    assert TOKEN in html.get_content()
    rq_job = RQJob.fetch(f"{redis_ns}-1", connection=queue.connection)
    assert rq_job.get_status() == JobStatus.FINISHED


def test_redis_never_holds_the_address_or_the_token(
    redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> None:
    mail = kit(
        SmtpMailer(smtp_server.url, sender=SENDER),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    queue = RQJobQueue(redis_url, name=redis_ns)
    queue.enqueue(SEND, "test.welcome", {"user_id": "u2"}, f"k:{redis_ns}", job_id=f"{redis_ns}-a")
    run_worker(redis_url, redis_ns, mail)
    assert len(smtp_server.inbox.envelopes) == 1

    client = redis.Redis.from_url(redis_url)
    stored = b""
    for key in client.scan_iter(match=f"*{redis_ns}*"):
        kind = client.type(key)
        values: list[Any] = []
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"hash":
            values = list(client.hgetall(key).values())
        for value in values:
            assert isinstance(value, bytes)
            stored += value
            with contextlib.suppress(zlib.error):  # RQ keeps a job's call compressed
                stored += zlib.decompress(value)
    assert b"u2" in stored  # we did look at the job
    assert ADDRESS.encode() not in stored
    assert TOKEN.encode() not in stored


def test_mail_ref_refuses_addresses() -> None:
    with pytest.raises(ValueError, match="address"):
        mail_job("test.welcome", {"to": ADDRESS}, "k")
    with pytest.raises(TypeError):
        mail_job("test.welcome", {"user": {"email": "x"}}, "k")


def test_a_mail_enqueued_twice_is_sent_once(
    redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> None:
    mail = kit(
        SmtpMailer(smtp_server.url, sender=SENDER),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    queue = RQJobQueue(redis_url, name=redis_ns)
    args = ("test.welcome", {"user_id": "u3"}, f"welcome:u3:{redis_ns}")
    # The same job id twice (a reactor repeating itself): RQ keeps one job. (":" and "." are
    # not allowed in RQ job ids: the queue maps them to "_".)
    queue.enqueue(SEND, *args, job_id=f"{redis_ns}:mails.x")
    queue.enqueue(SEND, *args, job_id=f"{redis_ns}:mails.x")
    assert queue.queue.count == 1
    assert queue.queue.job_ids == [f"{redis_ns}_mails_x"]
    # Another job id, same dedupe key (enqueued again after the first job's record expired).
    queue.enqueue(SEND, *args, job_id=f"{redis_ns}-y")

    run_worker(redis_url, redis_ns, mail)

    assert len(smtp_server.inbox.envelopes) == 1
    second = RQJob.fetch(f"{redis_ns}-y", connection=queue.connection)
    assert second.get_status() == JobStatus.FINISHED
    assert second.return_value() == "duplicate"


def test_a_refused_mail_releases_its_claim_for_the_retry(
    redis_url: str,
    redis_ns: str,
    refusing_smtp_url: str,
    smtp_server: SmtpServer,
) -> None:
    claims = RedisClaims(redis_url, prefix=f"{redis_ns}:claim:")
    mail = kit(SmtpMailer(refusing_smtp_url, sender=SENDER), claims)
    queue = RQJobQueue(redis_url, name=redis_ns)
    dedupe = f"welcome:u4:{redis_ns}"
    queue.enqueue(SEND, "test.welcome", {"user_id": "u4"}, dedupe, job_id=f"{redis_ns}-r")

    run_worker(redis_url, redis_ns, mail)

    assert claims.redis.exists(f"{redis_ns}:claim:mail:{dedupe}") == 0
    job = RQJob.fetch(f"{redis_ns}-r", connection=queue.connection)
    # RQ keeps it for a retry in 10 s (the scheduler of `orion worker` requeues it).
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == 2

    # The retry, once the server accepts again, sends the mail.
    mail = kit(SmtpMailer(smtp_server.url, sender=SENDER), claims)
    assert send_mail.run(mail, "test.welcome", {"user_id": "u4"}, dedupe) == "sent"
    assert len(smtp_server.inbox.envelopes) == 1
    assert claims.redis.exists(f"{redis_ns}:claim:mail:{dedupe}") == 1


def test_a_gathered_job_sends_each_mail_once_and_its_retry_only_the_failed(
    redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> None:
    mail = kit(
        SmtpMailer(smtp_server.url, sender=SENDER),
        RedisClaims(redis_url, prefix=f"{redis_ns}:claim:"),
    )
    jobs = [
        replace(
            mail_job("test.welcome", {"user_id": f"g{i}"}, f"welcome:g{i}:{redis_ns}"),
            job_id=f"{redis_ns}-g{i}",
        )
        for i in range(3)
    ]
    [gathered] = gather_mails(jobs)
    queue = RQJobQueue(redis_url, name=redis_ns)
    queue.enqueue(gathered.func, *gathered.args, job_id=gathered.job_id)
    UNREADABLE.add("g1")
    try:
        run_worker(redis_url, redis_ns, mail)
    finally:
        UNREADABLE.clear()

    subjects = [parse(e)["Subject"] for e in smtp_server.inbox.envelopes]
    assert subjects == ["Welcome g0", "Welcome g2"]  # the failure held nothing else back
    job = RQJob.fetch(f"{redis_ns}-g0-3", connection=queue.connection)
    assert job.get_status() == JobStatus.SCHEDULED  # RQ retries the job

    # The retry: the two sent hold their claims; only the failed one goes out.
    assert send_mails.run(mail, *gathered.args) == "2 duplicate, 1 sent"
    subjects = [parse(e)["Subject"] for e in smtp_server.inbox.envelopes]
    assert subjects == ["Welcome g0", "Welcome g2", "Welcome g1"]


def test_a_gathered_job_stops_when_its_time_is_up(smtp_server: SmtpServer) -> None:
    mail = kit(SmtpMailer(smtp_server.url, sender=SENDER), MemoryClaims())
    mails = [["test.welcome", {"user_id": u}, f"welcome:{u}"] for u in ("t0", "t1", "t2")]
    SLOW.add("t1")
    try:
        with pytest.raises(JobTimeoutException):
            send_mails.run(mail, mails)
    finally:
        SLOW.clear()
    # Not swallowed as one failed mail: the rest waits for the retry, which sends it.
    assert [parse(e)["Subject"] for e in smtp_server.inbox.envelopes] == ["Welcome t0"]
    assert send_mails.run(mail, mails) == "1 duplicate, 2 sent"


def test_refused_send_raises_and_releases(refusing_smtp_url: str) -> None:
    claims = MemoryClaims()
    mail = kit(SmtpMailer(refusing_smtp_url, sender=SENDER), claims)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail.run(mail, "test.welcome", {"user_id": "u5"}, "k5")
    assert claims.claim("mail:k5", 60)  # free again


def test_nothing_to_send_for_an_erased_recipient(smtp_server: SmtpServer) -> None:
    mail = kit(SmtpMailer(smtp_server.url, sender=SENDER), MemoryClaims())
    assert (
        send_mail.run(mail, "test.welcome", {"user_id": "erased"}, "k-erased") == "nothing to send"
    )
    assert smtp_server.inbox.envelopes == []


# -- the in-process queue (embedded default) ---------------------------------------------------


def test_inline_queue_sends_once_on_its_thread(smtp_server: SmtpServer) -> None:
    mail = kit(SmtpMailer(smtp_server.url, sender=SENDER), MemoryClaims())
    queue = InlineJobQueue(mail_jobs(mail), retry_intervals=(0.01, 0.01, 0.01))
    for job_id in ("a", "a", "b"):  # "a" twice: one job; "b": another job, same dedupe key
        queue.enqueue(SEND, "test.welcome", {"user_id": "u6"}, "welcome:u6", job_id=job_id)
    assert queue.drain(timeout=10)
    queue.close()
    assert len(smtp_server.inbox.envelopes) == 1
    assert parse(smtp_server.inbox.envelopes[0])["Subject"] == "Welcome u6"


attempts: dict[str, int] = {}
ran_on: list[str] = []


def flaky(name: str, failures: int) -> None:
    """A job that fails ``failures`` times, then succeeds."""
    attempts[name] = attempts.get(name, 0) + 1
    ran_on.append(threading.current_thread().name)
    if attempts[name] <= failures:
        raise RuntimeError(f"{name}: failure {attempts[name]}")


def test_inline_queue_retries_logs_and_survives(caplog: pytest.LogCaptureFixture) -> None:
    here = "test.flaky"
    queue = InlineJobQueue({here: flaky}, retry_intervals=(0.01, 0.01, 0.01))
    with caplog.at_level(logging.ERROR, logger="orion.workers.queue"):
        queue.enqueue(here, "twice", 2, job_id="twice")
        queue.enqueue(here, "always", 99)
        assert queue.drain(timeout=10)
        queue.enqueue(here, "after", 0)  # the thread is still there
        assert queue.drain(timeout=10)
    queue.close()
    assert attempts["twice"] == 3
    assert attempts["always"] == 4  # the first try and 3 retries
    assert attempts["after"] == 1
    assert set(ran_on) == {"orion-jobs"}
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 2 + 4
    assert all(r.exc_info for r in failures)
    assert "giving up" in failures[-1].getMessage()


# -- mailers -----------------------------------------------------------------------------------


def test_file_outbox_writes_a_parseable_eml(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mailer = FileOutboxMailer(outbox, sender=SENDER)
    mailer.send(
        MailMessage(
            to=ADDRESS,
            subject="Réinitialisation",
            text="Bonjour,\nvotre lien\n",
            html="<p>Bonjour</p>",
            headers={"Reply-To": "help@orion.test"},
        )
    )
    mailer.send(MailMessage(to="bob@example.com", subject="Second", text="two"))
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary file left behind
    message = email.message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["From"] == SENDER
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Réinitialisation"
    assert message["Reply-To"] == "help@orion.test"
    assert message["Message-ID"]
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content() == "Bonjour,\nvotre lien\n"
    assert html.get_content().strip() == "<p>Bonjour</p>"


def test_mailer_from_settings(tmp_path: Path) -> None:
    smtp = mailer_from_settings(Settings(smtp_url="smtps://u:p%40ss@mail.example.com"))
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.implicit_tls, smtp.port, smtp.username, smtp.password) == (
        True,
        465,
        "u",
        "p@ss",
    )
    assert isinstance(mailer_from_settings(Settings(mail_outbox="console")), ConsoleMailer)
    outbox = mailer_from_settings(Settings(mail_outbox=str(tmp_path)))
    assert isinstance(outbox, FileOutboxMailer)


def test_console_mailer_logs_the_mail(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="orion.mail"):
        ConsoleMailer(sender=SENDER).send(MailMessage(to=ADDRESS, subject="Hi", text=TOKEN))
    assert TOKEN in caplog.text


def test_smtp_mailer_does_not_log_the_body(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        SmtpMailer(smtp_server.url, sender=SENDER).send(
            MailMessage(to=ADDRESS, subject="Secret", text=TOKEN)
        )
    assert len(smtp_server.inbox.envelopes) == 1
    # Ours, not the test server's (aiosmtpd logs every line it receives at DEBUG).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("orion"))
    assert "mail sent" in ours
    assert TOKEN not in ours
    assert ADDRESS not in ours


# -- TLS and authentication --------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _contexts(tls_files: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert_path, key_path = tls_files
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


class _Auth:
    def __init__(self) -> None:
        self.logins: list[str] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"mailer",
            b"s3cr:et",
        )
        if ok:
            self.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)


def test_smtp_starttls_and_login(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _contexts(tls_files)
    inbox, auth, port = Inbox(), _Auth(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=auth,
        auth_require_tls=True,
    )
    controller.start()
    try:
        mailer = SmtpMailer(
            f"smtp://mailer:s3cr%3Aet@127.0.0.1:{port}", sender=SENDER, ssl_context=client_ctx
        )
        mailer.send(MailMessage(to=ADDRESS, subject="Over TLS", text="hello"))
    finally:
        controller.stop()
    assert auth.logins  # logged in, which aiosmtpd only allows after STARTTLS here
    assert [parse(e)["Subject"] for e in inbox.envelopes] == ["Over TLS"]


def test_smtps_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _contexts(tls_files)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_ctx)
    controller.start()
    try:
        mailer = SmtpMailer(f"smtps://127.0.0.1:{port}", sender=SENDER, ssl_context=client_ctx)
        mailer.send(MailMessage(to=ADDRESS, subject="Implicit", text="hello"))
    finally:
        controller.stop()
    assert [parse(e)["Subject"] for e in inbox.envelopes] == ["Implicit"]


def _lan_address() -> str | None:
    """This machine's non-loopback address, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address: str = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_credentials_are_never_sent_in_clear_to_a_remote_host() -> None:
    address = _lan_address()
    if address is None:
        pytest.skip("no non-loopback address to listen on")
    inbox, auth, port = Inbox(), _Auth(), free_port()
    # No STARTTLS offered; AUTH allowed in clear: only the mailer can refuse.
    controller = Controller(
        inbox, hostname=address, port=port, authenticator=auth, auth_require_tls=False
    )
    controller.start()
    try:
        mailer = SmtpMailer(f"smtp://mailer:s3cr%3Aet@{address}:{port}", sender=SENDER)
        with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS"):
            mailer.send(MailMessage(to=ADDRESS, subject="x", text="x"))
    finally:
        controller.stop()
    assert auth.logins == [] and inbox.envelopes == []


def test_loopback_servers_may_take_credentials_in_clear() -> None:
    inbox, auth, port = Inbox(), _Auth(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=auth, auth_require_tls=False
    )
    controller.start()
    try:
        SmtpMailer(f"smtp://mailer:s3cr%3Aet@127.0.0.1:{port}", sender=SENDER).send(
            MailMessage(to=ADDRESS, subject="local", text="x")
        )
    finally:
        controller.stop()
    assert auth.logins and len(inbox.envelopes) == 1


def test_orion_worker_needs_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interfaces.cli import cli

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("ORION_REDIS_URL", raising=False)
    result = CliRunner().invoke(cli, ["worker", "--burst"])
    assert result.exit_code == 2
    assert "set ORION_REDIS_URL to run a worker" in result.output
