"""Invitation and password-reset e-mails really leave: event → reaction → RQ on Redis → worker
→ SMTP (aiosmtpd), and the link in the mail works, once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest

from application.context import CommandContext
from application.identity.mails import identity_mail_reaction
from domain.identity.errors import TokenError
from interfaces.bootstrap import Orion
from tests.integration.jobs.conftest import MailPipeline, SmtpServer, deliver, mail_pipeline_for

ADMIN = CommandContext(actor="platform_admin:test")
ANONYMOUS = CommandContext(actor="anonymous:-")


@pytest.fixture
def mail_pipeline(
    orion: Orion, redis_url: str, redis_ns: str, smtp_server: SmtpServer
) -> Iterator[MailPipeline]:
    with mail_pipeline_for(
        orion,
        identity_mail_reaction(),
        redis_url,
        redis_ns,
        smtp_server.url,
        "Orion <no-reply@orion.test>",
    ) as pipeline:
        yield pipeline


def token_in(smtp: SmtpServer, index: int) -> tuple[str, str]:
    envelope = smtp.inbox.envelopes[index]
    message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    match = re.search(r"token=([\w.-]+)", text)
    assert match, text
    return envelope.rcpt_tos[0], match.group(1)


def test_invitation_mail_is_sent_and_its_link_works_once(
    orion: Orion, mail_pipeline: MailPipeline, smtp_server: SmtpServer
) -> None:
    store = orion.stores.register(
        ADMIN, code="mailshop", name="Mail Shop", country="LU", currency="EUR", locale="fr_LU"
    )
    orion.teams.invite(ADMIN, store.id, email="New.Owner@Example.com", role="owner", by_role=None)
    deliver(mail_pipeline)
    deliver(mail_pipeline)  # a second pass sends nothing more

    assert len(smtp_server.inbox.envelopes) == 1
    to, token = token_in(smtp_server, 0)
    assert to == "new.owner@example.com"
    raw = smtp_server.inbox.envelopes[0].original_content or b""
    assert b"Mail Shop" in raw and b"as owner" in raw

    joined = orion.teams.accept(ANONYMOUS, token=token, password="a good long passphrase")
    assert orion.teams.role_of(store.id, joined.account_id) == "owner"
    with pytest.raises(TokenError):
        orion.teams.accept(ANONYMOUS, token=token, password="a good long passphrase")


def test_reset_mail_carries_a_working_single_use_link_and_none_for_unknown_addresses(
    orion: Orion, mail_pipeline: MailPipeline, smtp_server: SmtpServer
) -> None:
    store = orion.stores.register(
        ADMIN, code="resetshop", name="Reset Shop", country="DE", currency="EUR", locale="de_DE"
    )
    orion.customers.register(
        ANONYMOUS, store.id, email="ann@example.org", password="first pass 123"
    )
    orion.customers.request_reset(ANONYMOUS, store.id, email="nobody@example.org")
    orion.customers.request_reset(ANONYMOUS, store.id, email="ANN@example.org")
    deliver(mail_pipeline)

    assert len(smtp_server.inbox.envelopes) == 1  # none for the unknown address
    to, token = token_in(smtp_server, 0)
    assert to == "ann@example.org"
    assert b"/shop/resetshop/reset-password?token=" in (
        smtp_server.inbox.envelopes[0].original_content or b""
    )

    orion.customers.confirm_password_reset(ANONYMOUS, token=token, new_password="second pass 456")
    session = orion.customers.login_customer(
        ANONYMOUS, store.id, email="ann@example.org", password="second pass 456"
    )
    assert session.access_token
    with pytest.raises(TokenError):
        orion.customers.confirm_password_reset(
            ANONYMOUS, token=token, new_password="third pass 789!"
        )
