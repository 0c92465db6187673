"""``orion admin create-user`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from application.context import CommandContext
from domain.identity.aggregates import User
from domain.shared.events import event_metadata
from interfaces.bootstrap import Orion
from interfaces.cli import cli
from tests.conftest import SECRET_KEY

PASSWORD = "correct horse battery"


@pytest.fixture
def runner(orion: Orion, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ORION_DATABASE_URL", database_url)
    # The same secret as the test's Orion: e-mail lookups and sealed data must agree.
    monkeypatch.setenv("ORION_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ORION_LOG_LEVEL", "WARNING")
    return CliRunner()


def create_user(runner: CliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, ["admin", "create-user", *args], input=input)


def signs_in(orion: Orion, email: str, password: str) -> UUID:
    issued = orion.users.login_user(CommandContext(actor="test"), email=email, password=password)
    return issued.account_id


def test_create_user_with_a_password_option(runner: CliRunner, orion: Orion) -> None:
    result = create_user(
        runner, "--email", "Root@Example.com", "--name", "Root", "--password", PASSWORD
    )
    assert result.exit_code == 0, result.output
    user_id = UUID(result.output.strip().splitlines()[-1])
    user = orion.platform.find(User, user_id)
    assert user is not None and user.platform_admin
    assert signs_in(orion, "root@example.com", PASSWORD) == user_id
    created = orion.app.repository.event_store.get(user_id)
    assert [event_metadata(e)["actor"] for e in created] == ["system:cli"]


def test_the_password_is_prompted_hidden_and_confirmed(runner: CliRunner, orion: Orion) -> None:
    # A mismatch asks again; the second pair matches.
    answers = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = create_user(runner, "--email", "ops@example.com", "--name", "Ops", input=answers)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert "Repeat for confirmation" in result.output
    user_id = UUID(result.output.strip().splitlines()[-1])
    assert signs_in(orion, "ops@example.com", PASSWORD) == user_id


def test_bad_input_and_duplicates_fail_and_write_nothing(runner: CliRunner, orion: Orion) -> None:
    ok = create_user(runner, "--email", "dup@example.com", "--name", "D", "--password", PASSWORD)
    assert ok.exit_code == 0, ok.output
    head = orion.platform.head()
    for args, says in (
        (["--email", "dup@example.com", "--name", "D2", "--password", PASSWORD], "already exists"),
        (["--email", "not-an-email", "--name", "X", "--password", PASSWORD], "email"),
        (["--email", "weak@example.com", "--name", "X", "--password", "short"], "password"),
    ):
        result = create_user(runner, *args)
        assert result.exit_code == 1, result.output
        assert says in result.output
    assert orion.platform.head() == head
