"""Identity jobs: a password-reset request, started after its request was answered
(``AccountService.password_reset_job`` says why)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from application.context import CommandContext
from application.identity.accounts import REQUEST_RESET_JOB, AccountService
from workers.job import job

# The account services by kind of account ("user", "customer"), as the job names them.
Accounts = Mapping[str, AccountService[Any]]


@job(REQUEST_RESET_JOB)
def request_password_reset(
    accounts: Accounts, kind: str, ref: str, actor: str, correlation_id: str, store_id: str | None
) -> bool:
    """A reset is pending for the active account the address reaches, if any. True if one
    was started."""
    ctx = CommandContext(
        actor=actor,
        correlation_id=correlation_id,
        store_id=UUID(store_id) if store_id else None,
    )
    return accounts[kind].start_password_reset(ctx, UUID(ref)) is not None
