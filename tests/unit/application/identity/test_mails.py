"""Identity's e-mails on the in-memory world, from the log to the mailer: an invitation and a
password reset each leave once, with a link that works once; none for an unknown address, a
revoked invitation, a superseded reset or an erased person."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from application.mail import MailMessage
from domain.identity.errors import TokenError
from tests.unit.application.world import PASSWORD, PUBLIC_URL, SHOPPER, World


@pytest.fixture
def world() -> World:
    return World()


def token_in(mail: MailMessage) -> str:
    found = re.search(r"token=([\w.-]+)", mail.text)
    assert found, mail.text
    return found.group(1)


def test_an_invitation_leaves_once_and_its_link_works_once(world: World) -> None:
    store_id = world.new_store("mailshop")
    world.teams.invite(
        world.ctx, store_id, email="New.Owner@Example.com", role="owner", by_role=None
    )

    (mail,) = world.deliver()
    assert world.deliver() == []  # nothing more on a second pass

    assert mail.to == "new.owner@example.com"
    assert "Shop" in mail.subject and "as owner" in mail.text
    assert f"{PUBLIC_URL}/accept-invitation?token=" in mail.text
    joined = world.teams.accept(SHOPPER, token=token_in(mail), password=PASSWORD)
    assert world.teams.role_of(store_id, joined.account_id) == "owner"
    with pytest.raises(TokenError):
        world.teams.accept(SHOPPER, token=token_in(mail), password=PASSWORD)


def test_a_revoked_invitation_s_mail_is_not_sent(world: World) -> None:
    store_id = world.new_store()
    world.teams.invite(world.ctx, store_id, email="x@example.com", role="staff", by_role=None)
    team = world.teams.team(store_id)
    assert team is not None
    world.teams.revoke_invitation(world.ctx, store_id, next(iter(team.invitations)))

    assert world.deliver() == []


def test_a_customer_s_reset_link_works_once_and_an_unknown_address_gets_none(
    world: World,
) -> None:
    store_id = world.new_store("resetshop")
    world.register_customer(store_id, "ann@example.org")
    world.customers.request_reset(SHOPPER, store_id, email="nobody@example.org")
    world.customers.request_reset(SHOPPER, store_id, email="ANN@example.org")

    (mail,) = world.deliver()

    assert mail.to == "ann@example.org"
    assert f"{PUBLIC_URL}/shop/resetshop/reset-password?token=" in mail.text
    world.customers.confirm_password_reset(
        SHOPPER, token=token_in(mail), new_password="second pass 456"
    )
    assert world.customers.login_customer(
        SHOPPER, store_id, email="ann@example.org", password="second pass 456"
    )
    with pytest.raises(TokenError):
        world.customers.confirm_password_reset(
            SHOPPER, token=token_in(mail), new_password="third pass 789!"
        )


def test_a_user_s_reset_link_is_the_platform_s(world: World) -> None:
    world.users.create(world.ctx, email="olive@example.com", password=PASSWORD, name="Olive")
    world.users.request_password_reset(world.ctx, scope="platform", email="olive@example.com")

    (mail,) = world.deliver()

    assert mail.subject == "Reset your Orion password"
    assert f"{PUBLIC_URL}/reset-password?token=" in mail.text
    world.users.confirm_password_reset(SHOPPER, token=token_in(mail), new_password="a new one 123")


def test_only_the_latest_reset_is_mailed_once_the_first_is_superseded(world: World) -> None:
    store_id = world.new_store()
    world.register_customer(store_id, "ann@example.org")
    world.customers.request_reset(SHOPPER, store_id, email="ann@example.org")
    world.customers.request_reset(SHOPPER, store_id, email="ann@example.org")

    (mail,) = world.deliver()  # the first one's link would no longer work: not sent

    world.customers.confirm_password_reset(
        SHOPPER, token=token_in(mail), new_password="a new one 123"
    )


def test_an_erased_person_gets_no_mail(world: World) -> None:
    store_id = world.new_store()
    customer_id: UUID = world.register_customer(store_id, "ann@example.org")
    world.customers.request_reset(SHOPPER, store_id, email="ann@example.org")
    world.customers.erase(world.ctx, store_id, customer_id, by="self")

    assert world.deliver() == []


def test_a_mail_that_fails_to_send_is_sent_by_the_retry(world: World) -> None:
    store_id = world.new_store()
    world.teams.invite(world.ctx, store_id, email="x@example.com", role="staff", by_role=None)
    world.mailer.refuse = frozenset({"x@example.com"})

    with pytest.raises(RuntimeError, match="refused"):
        world.deliver()
    world.mailer.refuse = frozenset()

    assert [m.to for m in world.deliver()] == ["x@example.com"]
