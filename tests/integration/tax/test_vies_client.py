"""The real VIES client against a local server that speaks VIES's REST API."""

from __future__ import annotations

from adapters.vies import ViesClient
from tests.fakes.vies_server import FakeVies, vies_server


def test_a_registered_number_is_valid_with_its_consultation_number() -> None:
    fake = FakeVies(
        registered={"LU26375245": ("AMAZON EUROPE CORE S.A R.L.", "38, AVENUE JOHN F. KENNEDY")}
    )
    with vies_server(fake):
        check = ViesClient(fake.url).check("LU26375245")
    assert check.valid is True
    assert check.request_identifier and check.request_identifier.startswith("WAPI")
    assert check.name == "AMAZON EUROPE CORE S.A R.L."
    assert fake.asked == ["LU26375245"]


def test_an_unregistered_number_is_invalid_and_carries_no_placeholder_name() -> None:
    with vies_server() as fake:
        check = ViesClient(fake.url).check("DE136695976")
    assert (check.valid, check.name, check.address, check.error) == (False, None, None, None)


def test_a_member_state_down_leaves_the_number_unverified() -> None:
    with vies_server(FakeVies(unavailable={"FR"})) as fake:
        check = ViesClient(fake.url).check("FR40303265045")
    assert (check.valid, check.error) == (None, "MS_UNAVAILABLE")


def test_vies_out_of_reach_leaves_the_number_unverified() -> None:
    with vies_server() as fake:
        url = fake.url
    # The server is gone: nothing listens on its port any more.
    check = ViesClient(url, timeout_seconds=1).check("LU26375245")
    assert check.valid is None
    assert check.error
