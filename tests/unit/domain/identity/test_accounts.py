"""Users, customers and e-mail claims: given events → command → expected events or error.
Statuses (active, disabled, erased), password changes and resets, addresses and defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.identity.aggregates import MAX_ADDRESSES, Customer, EmailClaim, User
from domain.identity.errors import (
    AccountStateError,
    AddressNotFoundError,
    EmailTakenError,
    TokenError,
)
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.ids import email_claim_id
from tests.unit.domain.scenario import T0, at, ev, given, new_events, rejected

USER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa001")
CUSTOMER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa002")
STORE = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa003")
OTHER = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa004")
RESET = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa005")
HOME = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa006")
WORK = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fa007")
CLAIM = email_claim_id("platform", "idx")


def user_registered(admin: bool = False) -> Any:
    return ev(
        User.Registered, sealed="s1", credentials="c1", email_index="idx", platform_admin=admin
    )


def customer_registered() -> Any:
    return ev(
        Customer.Registered,
        store_id=STORE,
        sealed="s1",
        credentials="c1",
        email_index="idx",
        language="en",
        marketing_consent=False,
    )


def reset_requested(expires: int = 60) -> Any:
    return ev(User.PasswordResetRequested, reset_id=RESET, expires_at=at(expires))


# -- e-mail claims ------------------------------------------------------------------------------


def test_an_address_is_claimed_under_its_blind_index() -> None:
    claim = EmailClaim.claim_new(scope="platform", email_index="idx", owner_id=USER, at=at(0))

    assert new_events(claim) == [ev(EmailClaim.Claimed, scope="platform", owner_id=USER)]
    assert claim.id == CLAIM


def test_a_claimed_address_is_taken_for_anyone_else() -> None:
    claim = given(CLAIM, ev(EmailClaim.Claimed, scope="platform", owner_id=USER))

    rejected(claim, lambda: claim.reclaim(owner_id=OTHER, at=at(5)), EmailTakenError)
    claim.reclaim(owner_id=USER, at=at(5))  # its own owner: nothing to do
    assert new_events(claim) == []


def test_a_released_address_may_be_claimed_again_by_someone_else() -> None:
    claim = given(CLAIM, ev(EmailClaim.Claimed, scope="platform", owner_id=USER))

    claim.release(owner_id=OTHER, at=at(4))  # not theirs to release
    assert new_events(claim) == []
    claim.release(owner_id=USER, at=at(5))
    claim.reclaim(owner_id=OTHER, at=at(6))

    assert new_events(claim) == [ev(EmailClaim.Released), ev(EmailClaim.Reclaimed, owner_id=OTHER)]
    assert claim.owner_id == OTHER


# -- status -------------------------------------------------------------------------------------


def test_disable_enable_and_their_refusals() -> None:
    user = given(USER, user_registered())

    rejected(user, lambda: user.enable(at=at(5)), AccountStateError)
    user.disable(reason="left", at=at(5))
    assert new_events(user) == [ev(User.Disabled, reason="left")]
    assert not user.is_active
    rejected(user, lambda: user.disable(reason="again", at=at(6)), AccountStateError)
    user.enable(at=at(7))

    assert new_events(user) == [ev(User.Enabled)]
    assert user.is_active


def test_an_erased_account_changes_no_more_and_is_erased_once() -> None:
    user = given(USER, user_registered(), reset_requested())

    user.erase(by="admin", at=at(5))
    assert new_events(user) == [ev(User.Erased, by="admin")]
    assert (user.status, user.pending_reset, user.credentials_version) == ("erased", None, 2)

    user.erase(by="admin", at=at(6))
    assert new_events(user) == []
    for command in (
        lambda: user.change_profile(sealed="s2", at=at(7)),
        lambda: user.change_password(credentials="c2", at=at(7)),
        lambda: user.disable(reason="x", at=at(7)),
        lambda: user.enable(at=at(7)),
        lambda: user.set_platform_admin(True, at=at(7)),
    ):
        rejected(user, command, AccountStateError)


def test_platform_admin_changes_only_when_it_changes() -> None:
    user = given(USER, user_registered(admin=False))

    user.set_platform_admin(False, at=at(5))
    user.set_platform_admin(True, at=at(6))

    assert new_events(user) == [ev(User.PlatformAdminChanged, platform_admin=True)]


# -- passwords ----------------------------------------------------------------------------------


def test_a_password_change_bumps_the_credentials_version_and_drops_a_pending_reset() -> None:
    user = given(USER, user_registered(), reset_requested())

    user.change_password(credentials="c2", at=at(5))

    assert new_events(user) == [ev(User.PasswordChanged, credentials="c2")]
    assert (user.credentials, user.credentials_version, user.pending_reset) == ("c2", 2, None)


def test_a_reset_works_once_before_it_expires() -> None:
    user = given(USER, user_registered(), reset_requested(expires=60))

    user.reset_password(reset_id=RESET, credentials="c2", at=at(59))

    assert new_events(user) == [ev(User.PasswordReset, reset_id=RESET, credentials="c2")]
    assert user.credentials_version == 2
    rejected(
        user, lambda: user.reset_password(reset_id=RESET, credentials="c3", at=at(59)), TokenError
    )


@pytest.mark.parametrize(
    ("history", "minutes"),
    [
        ([reset_requested(expires=60)], 60),  # expired
        ([reset_requested(), ev(User.Disabled, reason="x")], 30),
        ([reset_requested(), ev(User.PasswordChanged, credentials="c2")], 30),  # superseded
    ],
)
def test_an_expired_disabled_or_superseded_reset_is_refused(
    history: list[Any], minutes: int
) -> None:
    user = given(USER, user_registered(), *history)

    rejected(
        user,
        lambda: user.reset_password(reset_id=RESET, credentials="c3", at=at(minutes)),
        TokenError,
    )


def test_a_reset_of_another_request_is_refused_the_latest_one_wins() -> None:
    later = UUID(int=7)
    user = given(
        USER,
        user_registered(),
        reset_requested(),
        ev(User.PasswordResetRequested, reset_id=later, expires_at=at(90)),
    )

    rejected(
        user, lambda: user.reset_password(reset_id=RESET, credentials="c2", at=at(30)), TokenError
    )
    user.reset_password(reset_id=later, credentials="c2", at=at(30))


def test_a_reset_request_for_an_inactive_account_records_nothing() -> None:
    user = given(USER, user_registered(), ev(User.Disabled, reason="left"))

    user.request_password_reset(reset_id=RESET, expires_at=T0 + timedelta(hours=1), at=at(5))

    assert new_events(user) == []


# -- customers: preferences and addresses --------------------------------------------------------


def test_preferences_are_recorded_when_they_change() -> None:
    customer = given(CUSTOMER, customer_registered())

    customer.change_preferences(language="en", marketing_consent=False, at=at(5))
    customer.change_preferences(language="fr_LU", marketing_consent=True, at=at(6))

    assert new_events(customer) == [
        ev(Customer.PreferencesChanged, language="fr_LU", marketing_consent=True)
    ]


def add(customer: Customer, address_id: UUID, **defaults: bool) -> None:
    customer.add_address(
        address_id=address_id,
        sealed=f"sealed-{address_id.int}",
        default_shipping=defaults.get("shipping", False),
        default_billing=defaults.get("billing", False),
        at=at(9),
    )


def test_the_first_address_is_the_default_for_both() -> None:
    customer = given(CUSTOMER, customer_registered())

    add(customer, HOME)
    add(customer, WORK)

    assert new_events(customer) == [
        ev(Customer.AddressAdded, address_id=HOME, sealed=f"sealed-{HOME.int}"),
        ev(Customer.DefaultAddressChanged, kind="shipping", address_id=HOME),
        ev(Customer.DefaultAddressChanged, kind="billing", address_id=HOME),
        ev(Customer.AddressAdded, address_id=WORK, sealed=f"sealed-{WORK.int}"),
    ]
    assert (customer.default_shipping, customer.default_billing) == (HOME, HOME)


def test_a_new_address_may_become_one_default_and_a_removed_one_is_no_default() -> None:
    customer = given(CUSTOMER, customer_registered())
    add(customer, HOME)
    add(customer, WORK, billing=True)
    assert (customer.default_shipping, customer.default_billing) == (HOME, WORK)

    customer.remove_address(address_id=WORK, at=at(10))

    assert (customer.default_shipping, customer.default_billing) == (HOME, None)
    assert list(customer.addresses) == [HOME]


def test_unknown_addresses_and_kinds_are_refused() -> None:
    customer = given(CUSTOMER, customer_registered())
    add(customer, HOME)
    new_events(customer)

    for command in (
        lambda: customer.change_address(address_id=WORK, sealed="x", at=at(10)),
        lambda: customer.remove_address(address_id=WORK, at=at(10)),
        lambda: customer.set_default(kind="shipping", address_id=WORK, at=at(10)),
    ):
        rejected(customer, command, AddressNotFoundError)
    error = rejected(
        customer,
        lambda: customer.set_default(kind="gift", address_id=HOME, at=at(10)),
        ValidationError,
    )
    assert error.field == "kind"


def test_a_customer_keeps_at_most_so_many_addresses() -> None:
    customer = given(
        CUSTOMER,
        customer_registered(),
        *(
            ev(Customer.AddressAdded, address_id=UUID(int=n + 100), sealed="s")
            for n in range(MAX_ADDRESSES)
        ),
    )

    rejected(customer, lambda: add(customer, HOME), ConflictError)


def test_an_erased_customer_keeps_no_address_book() -> None:
    customer = given(CUSTOMER, customer_registered(), ev(Customer.Erased, by="self"))

    rejected(customer, lambda: add(customer, HOME), AccountStateError)
    rejected(
        customer,
        lambda: customer.change_preferences(language="de", marketing_consent=True, at=at(9)),
        AccountStateError,
    )
