"""Dependencies shared by the routes: the container, the principal, command context, reads."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query, Request, Response

from application.context import CommandContext
from domain.shared.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from interfaces.api.auth import ANONYMOUS, Principal, authenticate_bearer

from interfaces.bootstrap import Orion

MAX_IDEMPOTENCY_KEY = 255


# Cheap dependencies are ``async``: a plain ``def`` would cost a thread-pool hop each.


async def get_orion(request: Request) -> Orion:
    orion: Orion = request.app.state.orion
    return orion


OrionDep = Annotated[Orion, Depends(get_orion)]


async def get_principal(request: Request, orion: OrionDep) -> Principal:
    header = request.headers.get("authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("use 'Authorization: Bearer <token>'")
    principal = authenticate_bearer(token.strip(), admin_token=orion.settings.admin_token)
    if principal is None:
        raise AuthenticationError("the token is not valid")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if principal.kind == "anonymous":
        raise AuthenticationError("sign in as a platform admin")
    if not principal.is_platform_admin:
        raise PermissionDeniedError("only platform admins may do this")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


async def require_store_access(store_id: UUID, principal: PrincipalDep) -> Principal:
    """A store's routes: its team (and platform admins). Others get 404, never 403."""
    if principal.kind == "anonymous":
        raise AuthenticationError("sign in to manage a store")
    if not principal.can_access_store(store_id):
        raise NotFoundError(f"no store {store_id}", store_id=str(store_id))
    return principal


StoreMemberDep = Annotated[Principal, Depends(require_store_access)]


async def command_context(
    request: Request,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> CommandContext:
    fingerprint = None
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ValidationError("Idempotency-Key", f"must be 1-{MAX_IDEMPOTENCY_KEY} characters")
        body = await request.body()
        digest = hashlib.sha256()
        digest.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
        digest.update(body)
        fingerprint = digest.hexdigest()
    return CommandContext(
        actor=principal.actor,
        correlation_id=request.state.correlation_id,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )


CommandCtx = Annotated[CommandContext, Depends(command_context)]

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


async def expected_version(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    if if_match is None:
        return None
    match = _ETAG.match(if_match)
    if not match:
        raise ValidationError("If-Match", 'must be the aggregate version, e.g. If-Match: "3"')
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(expected_version)]


def read_after(*projections: str) -> Callable[..., Awaitable[int | None]]:
    """A query dependency: wait (briefly, boundedly) until the read models have ``min_position``.

    The answer says how fresh it is: ``X-Orion-Position`` is the position asked for and
    ``X-Orion-Consistent`` whether the read models had reached it in time.
    """

    async def dependency(
        orion: OrionDep,
        response: Response,
        min_position: Annotated[int | None, Query(ge=0)] = None,
        header_position: Annotated[int | None, Header(alias="X-Orion-Min-Position", ge=0)] = None,
    ) -> int | None:
        wanted = max(min_position or 0, header_position or 0)
        if wanted:
            # Waits on the event loop between polls, never holding a worker thread asleep.
            reached = await orion.read.wait_for_async(
                projections, wanted, orion.settings.consistency_timeout_seconds
            )
            response.headers["X-Orion-Position"] = str(wanted)
            response.headers["X-Orion-Consistent"] = "true" if reached else "false"
        return wanted or None

    return dependency
