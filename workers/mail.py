"""The mail jobs: compose from ids, send once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from rq.timeouts import BaseTimeoutException

from application.mail import MailComposer, Mailer
from application.reactions import SEND_MAIL, SEND_MAILS
from workers.job import job

log = logging.getLogger("orion.workers.mail")

# Long enough to cover every retry of a job and a reactor replaying a stretch of the log.
CLAIM_TTL_SECONDS = 7 * 24 * 3600


class Claims(Protocol):
    """Claims on keys that expire: "this mail is being (or was) sent" (``adapters.claims``)."""

    def claim(self, key: str, ttl_seconds: int) -> bool:
        """True if this caller now holds ``key``; False if someone already did."""
        ...

    def release(self, key: str) -> None: ...


@dataclass(frozen=True)
class MailKit:
    """What the mail jobs need: the mailer, the composers of every kind, the dedupe claims."""

    mailer: Mailer
    composers: MailComposer
    claims: Claims


@job(SEND_MAIL)
def send_mail(mail: MailKit, kind: str, ref: dict[str, Any], dedupe_key: str) -> str:
    """Compose the mail ``kind`` for ``ref`` (ids only) and send it, at most once per key.

    Enqueueing is at-least-once (a reactor may enqueue again after a crash, RQ retries), so the
    key is claimed before sending: a second run skips. A failed send releases the claim and
    raises, so that a retry can send. A crash between sending and finishing keeps the claim and
    loses nothing but a duplicate: we prefer that to sending twice.
    """
    key = f"mail:{dedupe_key}"
    if not mail.claims.claim(key, CLAIM_TTL_SECONDS):
        log.info("mail %s (%s) already sent or being sent: skipped", kind, dedupe_key)
        return "duplicate"
    try:
        message = mail.composers.compose(kind, ref)
        if message is None:
            log.info("mail %s (%s): nothing to send any more", kind, dedupe_key)
            return "nothing to send"
        mail.mailer.send(message)
    except BaseException:
        mail.claims.release(key)
        raise
    log.info("mail %s (%s) sent", kind, dedupe_key)
    return "sent"


class MailsFailed(Exception):
    """Some mails of a gathered job failed; a retry of the job sends those (and only those)."""


@job(SEND_MAILS)
def send_mails(mail: MailKit, mails: list[list[Any]]) -> str:
    """``send_mail`` for each ``[kind, ref, dedupe_key]`` of a gathered job.

    One failure does not hold the others back: every mail is tried, then the job fails if any
    did, and RQ retries it. The mails sent before hold their claims, so the retry skips them.
    """
    outcomes: dict[str, int] = {}
    failed = 0
    for kind, ref, dedupe_key in mails:
        try:
            outcome = send_mail.run(mail, kind, ref, dedupe_key)
        except BaseTimeoutException:
            raise  # the job's time is up: the mails not sent yet wait for the retry
        except Exception as error:
            # The error's type only: an SMTP refusal's text names the address.
            log.warning(
                "mail %s (%s) failed (%s); the job will be retried",
                kind,
                dedupe_key,
                type(error).__name__,
            )
            failed += 1
            continue
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if failed:
        raise MailsFailed(f"{failed} of {len(mails)} mails failed")
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
