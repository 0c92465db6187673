"""Identity jobs: a password-reset request, started after its request was answered
(``AccountService.password_reset_job`` says why)."""

from __future__ import annotations

from uuid import UUID

from application.context import CommandContext
from application.identity.accounts import AccountService
from workers.runtime import get_runtime

# The runtime's services (``Runtime.services``) by account kind; the composition root fills them.
ACCOUNT_SERVICES = {"user": "identity.users", "customer": "identity.customers"}


def request_password_reset(
    kind: str, ref: str, actor: str, correlation_id: str, store_id: str | None
) -> bool:
    """The job: a reset is pending for the active account the address reaches, if any.
    True if one was started."""
    accounts = get_runtime().services.get(ACCOUNT_SERVICES[kind])
    if not isinstance(accounts, AccountService):
        # A bare ``rq worker`` has no application: the job needs ``orion worker``.
        raise RuntimeError("request_password_reset needs the application: run it by orion worker")
    ctx = CommandContext(
        actor=actor,
        correlation_id=correlation_id,
        store_id=UUID(store_id) if store_id else None,
    )
    return accounts.start_password_reset(ctx, UUID(ref)) is not None
