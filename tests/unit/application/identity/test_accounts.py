"""What every account shares, on the in-memory world (a customer's here; users run the same
code): logins and their failures, sessions that rotate and end, password changes that end the
other sessions, and single-use password resets."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.identity.accounts import REQUEST_RESET_JOB, WRONG_LOGIN, IssuedSession
from application.identity.tokens import AccessClaims, shop_audience
from domain.identity.aggregates import LoginAttempt, Session
from domain.identity.errors import TokenError
from domain.shared.errors import AuthenticationError, ValidationError
from tests.unit.application.world import PASSWORD, SHOPPER, World

EMAIL = "ada@example.org"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def store_id(world: World) -> UUID:
    return world.new_store()


@pytest.fixture
def customer_id(world: World, store_id: UUID) -> UUID:
    return world.register_customer(store_id, EMAIL)


def login(
    world: World, store_id: UUID, password: str = PASSWORD, email: str = EMAIL
) -> IssuedSession:
    return world.customers.login_customer(SHOPPER, store_id, email=email, password=password)


def claims(world: World, store_id: UUID, session: IssuedSession) -> AccessClaims:
    return world.kit.tokens.decode(
        session.access_token, audience=shop_audience(store_id), now=world.clock.now()
    )


def failures(world: World) -> list[tuple[UUID | None, str]]:
    found = []
    for n in world.app.recorder.select_notifications(1, 10_000):
        event = world.app.mapper.to_domain_event(n)
        if isinstance(event, LoginAttempt.Failed):
            found.append((event.account_id, event.reason))
    return found


# -- logins -------------------------------------------------------------------------------------


def test_a_login_opens_a_session_whose_token_names_it(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id, email=" ADA@example.org ")

    found = claims(world, store_id, session)
    assert (found.account_id, found.session_id, found.store_id) == (
        customer_id,
        session.session_id,
        store_id,
    )
    assert world.customers.authenticate(found).id == customer_id
    assert session.expires_in == 15 * 60


def test_every_failed_login_gets_one_answer_and_is_recorded_with_its_reason(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    other = world.register_customer(store_id, "bob@example.org")
    world.customers.deactivate(world.ctx, store_id, other, reason="fraud")

    for email, password in (
        ("nobody@example.org", PASSWORD),
        (EMAIL, "not the password"),
        ("bob@example.org", PASSWORD),
    ):
        with pytest.raises(AuthenticationError) as raised:
            login(world, store_id, password, email)
        assert raised.value.detail == WRONG_LOGIN

    assert failures(world) == [
        (None, "unknown_account"),
        (customer_id, "wrong_password"),
        (other, "account_disabled"),
    ]


def test_a_customer_signs_in_at_their_own_shop_only(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    other = world.new_store("other")

    with pytest.raises(AuthenticationError):
        login(world, other)
    with pytest.raises(AuthenticationError):
        world.users.login_user(SHOPPER, email=EMAIL, password=PASSWORD)


# -- sessions ----------------------------------------------------------------------------------


def test_a_refresh_rotates_the_token_and_an_old_one_coming_back_ends_the_session(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    first = login(world, store_id)

    second = world.customers.refresh(SHOPPER, first.refresh_token, store_id=store_id)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token

    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, first.refresh_token, store_id=store_id)  # copied
    session = world.platform.find(Session, first.session_id)
    assert session is not None and session.end_reason == "reuse_detected"
    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, second.refresh_token, store_id=store_id)
    with pytest.raises(AuthenticationError):
        world.customers.authenticate(claims(world, store_id, second))


@pytest.mark.parametrize(
    "token",
    ["garbage", "0" * 32 + ".secret", "", "not-hex.secret"],
)
def test_an_unknown_refresh_token_is_refused_and_writes_nothing(
    world: World, store_id: UUID, customer_id: UUID, token: str
) -> None:
    session = login(world, store_id)
    head = world.platform.head()

    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, token, store_id=store_id)
    with pytest.raises(AuthenticationError):
        world.customers.refresh(
            SHOPPER, session.refresh_token.split(".")[0] + ".x", store_id=store_id
        )

    assert world.platform.head() == head


def test_a_session_is_refreshed_where_it_was_opened_and_as_what(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id)
    other = world.new_store("other")

    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, session.refresh_token, store_id=other)
    with pytest.raises(AuthenticationError):
        world.users.refresh(SHOPPER, session.refresh_token, store_id=None)
    assert world.customers.refresh(SHOPPER, session.refresh_token, store_id=store_id)


def test_a_session_expires_after_its_lifetime(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id)
    world.clock.advance(days=30)

    with pytest.raises(AuthenticationError, match="expired"):
        world.customers.refresh(SHOPPER, session.refresh_token, store_id=store_id)


def test_logging_out_ends_the_session_at_once(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id)
    other = login(world, store_id)

    world.customers.end_session(SHOPPER, session.session_id, reason="logout")
    world.customers.end_session(SHOPPER, session.session_id, reason="logout")  # once

    with pytest.raises(AuthenticationError):
        world.customers.authenticate(claims(world, store_id, session))
    assert world.customers.authenticate(claims(world, store_id, other)).id == customer_id
    ended = [
        n for n in world.app.recorder.select_notifications(1, 10_000) if n.topic.endswith("Ended")
    ]
    assert len(ended) == 1


def test_a_deactivated_account_s_sessions_stop(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id)
    world.customers.deactivate(world.ctx, store_id, customer_id, reason="fraud")

    with pytest.raises(AuthenticationError):
        world.customers.authenticate(claims(world, store_id, session))
    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, session.refresh_token, store_id=store_id)
    ended = world.platform.find(Session, session.session_id)
    assert ended is not None and ended.end_reason == "account_inactive"


# -- passwords ---------------------------------------------------------------------------------


def test_a_password_change_ends_every_other_session(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    before = login(world, store_id)

    after = world.customers.change_password(
        SHOPPER,
        customer_id,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        store_id=store_id,
    )

    assert world.customers.authenticate(claims(world, store_id, after)).id == customer_id
    with pytest.raises(AuthenticationError):
        world.customers.authenticate(claims(world, store_id, before))
    with pytest.raises(AuthenticationError):
        world.customers.refresh(SHOPPER, before.refresh_token, store_id=store_id)
    with pytest.raises(AuthenticationError):
        login(world, store_id)
    assert login(world, store_id, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("not the password", NEW_PASSWORD, "current_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "ada is my name really", "new_password"),
    ],
)
def test_a_bad_password_change_names_the_field_and_writes_nothing(
    world: World, store_id: UUID, customer_id: UUID, current: str, new: str, field: str
) -> None:
    head = world.platform.head()

    with pytest.raises(ValidationError) as raised:
        world.customers.change_password(
            SHOPPER, customer_id, current_password=current, new_password=new, store_id=store_id
        )

    assert raised.value.field == field
    assert world.platform.head() == head


# -- resets -------------------------------------------------------------------------------------


def reset_token(world: World, customer_id: UUID) -> str:
    pending = world.customers.find(customer_id)
    assert pending is not None and pending.pending_reset is not None
    return world.customers.reset_token(customer_id, pending.pending_reset["reset_id"])


def test_a_reset_request_writes_only_for_an_active_account(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    head = world.platform.head()
    world.customers.request_reset(SHOPPER, store_id, email="nobody@example.org")
    assert world.platform.head() == head

    world.customers.request_reset(SHOPPER, store_id, email="ADA@example.org")
    assert world.platform.head() == head + 1
    token = reset_token(world, customer_id)

    world.customers.confirm_password_reset(SHOPPER, token=token, new_password=NEW_PASSWORD)
    assert login(world, store_id, NEW_PASSWORD)
    with pytest.raises(TokenError):
        world.customers.confirm_password_reset(
            SHOPPER, token=token, new_password="yet another one!"
        )


def test_a_reset_expires_after_an_hour_and_a_new_one_supersedes_it(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    world.customers.request_reset(SHOPPER, store_id, email=EMAIL)
    first = reset_token(world, customer_id)
    world.customers.request_reset(SHOPPER, store_id, email=EMAIL)
    second = reset_token(world, customer_id)

    with pytest.raises(TokenError):
        world.customers.confirm_password_reset(SHOPPER, token=first, new_password=NEW_PASSWORD)
    world.clock.advance(hours=1)
    with pytest.raises(TokenError):
        world.customers.confirm_password_reset(SHOPPER, token=second, new_password=NEW_PASSWORD)
    assert login(world, store_id)


def test_a_reset_ends_every_session_and_refuses_weak_or_forged_tokens(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    session = login(world, store_id)
    world.customers.request_reset(SHOPPER, store_id, email=EMAIL)
    token = reset_token(world, customer_id)
    head = world.platform.head()

    with pytest.raises(ValidationError) as weak:
        world.customers.confirm_password_reset(SHOPPER, token=token, new_password="short")
    assert weak.value.field == "new_password"
    for forged in (token[:-2] + "xx", world.users.reset_token(customer_id, UUID(int=1)), "x"):
        with pytest.raises(TokenError):
            world.customers.confirm_password_reset(SHOPPER, token=forged, new_password=NEW_PASSWORD)
    assert world.platform.head() == head

    world.customers.confirm_password_reset(SHOPPER, token=token, new_password=NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        world.customers.authenticate(claims(world, store_id, session))


def test_a_reset_job_carries_ids_and_finds_out_for_itself(
    world: World, store_id: UUID, customer_id: UUID
) -> None:
    """The API queues the request alike for every address: only the job finds out whether the
    address has an account (its arguments, kept by the queue, are ids)."""
    ctx = SHOPPER.for_store(store_id)
    for email in ("nobody@example.org", EMAIL):
        world.enqueue(
            world.customers.password_reset_job(ctx, world.customers.email_ref(str(store_id), email))
        )
    assert [job.func for job in world.jobs.queued] == [REQUEST_RESET_JOB] * 2
    assert not any("@" in str(arg) for job in world.jobs.queued for arg in job.args)

    world.deliver()

    customer = world.customers.find(customer_id)
    assert customer is not None and customer.pending_reset is not None
    assert len(world.mailer.sent) == 1 and world.mailer.sent[0].to == EMAIL
