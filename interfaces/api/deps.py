"""Dependencies shared by the routes: the container, the principal, command context, reads."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import Depends, Header, Query, Request, Response

from application.context import CommandContext
from domain.shared.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from interfaces.api.auth import (
    ANONYMOUS,
    Principal,
    StoreAccess,
    authenticate,
    store_role,
    token_matches,
)
from interfaces.api.contract import raises, requires_token, takes_token
from interfaces.bootstrap import Orion

MAX_IDEMPOTENCY_KEY = 255
# Visible ASCII, spaces inside only (HTTP strips them at the ends): what a header can carry.
IDEMPOTENCY_KEY = re.compile(rf"^[!-~](?:[ -~]{{0,{MAX_IDEMPOTENCY_KEY - 2}}}[!-~])?$")
# The aggregate's version, as an ETag ("3" or W/"3") or bare (3).
ETAG = re.compile(r'^[ \t]*(?:W/)?"?([0-9]{1,9})"?[ \t]*$')


# Cheap dependencies are ``async``: a plain ``def`` would cost a thread-pool hop each.


async def get_orion(request: Request) -> Orion:
    orion: Orion = request.app.state.orion
    return orion


OrionDep = Annotated[Orion, Depends(get_orion)]


ACCESS_COOKIE = "orion_access"
REFRESH_COOKIE = "orion_refresh"
CSRF_COOKIE = "orion_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(request: Request) -> tuple[str | None, bool]:
    """The bearer token, or the access-token cookie (second value: it came by cookie)."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("use 'Authorization: Bearer <token>'")
        return token.strip(), False
    cookie = request.cookies.get(ACCESS_COOKIE)
    return (cookie, True) if cookie else (None, False)


def check_csrf(request: Request) -> None:
    """Cookies ride along on cross-site requests: a state-changing request authenticated by
    cookie must echo the CSRF cookie in a header, which another site cannot read or set."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not (cookie and header and token_matches(header, cookie)):
        raise PermissionDeniedError(
            f"a request signed in by cookie must send the {CSRF_HEADER} header "
            f"with the value of the {CSRF_COOKIE} cookie"
        )


@takes_token
@raises(401, unsafe=(403,))
async def get_principal(request: Request, orion: OrionDep) -> Principal:
    token, by_cookie = presented_token(request)
    if token is None:  # a shopper, most of the time: no trip to the thread pool
        return ANONYMOUS
    if by_cookie:
        check_csrf(request)
    # Resolving a token reads the event store (the account, its team): on the thread pool,
    # not on the event loop.
    principal = await anyio.to_thread.run_sync(authenticate, orion, token)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@requires_token
@raises(401, 403)
async def require_admin(principal: PrincipalDep) -> Principal:
    if principal.kind == "anonymous":
        raise AuthenticationError("sign in as a platform admin")
    if not principal.is_platform_admin:
        raise PermissionDeniedError("only platform admins may do this")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


def store_permission(area: str, access: str) -> Callable[..., StoreAccess]:
    """A store route's guard: the principal's role in ``store_id`` must allow ``access`` to
    ``area``. Anyone outside the store gets 404, never 403: another store's ids reveal nothing."""

    @requires_token
    @raises(401, 403, 404)
    def dependency(store_id: UUID, principal: PrincipalDep, orion: OrionDep) -> StoreAccess:
        if principal.kind == "anonymous":
            raise AuthenticationError("sign in to manage a store")
        inside, role = store_role(orion, principal, store_id)
        if not inside:
            raise NotFoundError(f"no store {store_id}", store_id=str(store_id))
        access_ = StoreAccess(principal, store_id, role)
        if not access_.can(area, access):
            raise PermissionDeniedError(
                f"the role {role!r} may not {access} {area} in this store",
                permission=f"{area}:{access}",
            )
        return access_

    return dependency


@requires_token
@raises(401, 404)
def require_store_access(store_id: UUID, principal: PrincipalDep, orion: OrionDep) -> Principal:
    """Any member of the store (and platform admins). Others get 404, never 403."""
    if principal.kind == "anonymous":
        raise AuthenticationError("sign in to manage a store")
    if not store_role(orion, principal, store_id)[0]:
        raise NotFoundError(f"no store {store_id}", store_id=str(store_id))
    return principal


StoreMemberDep = Annotated[Principal, Depends(require_store_access)]


_KEY_HEADER = Header(
    alias="Idempotency-Key",
    description="Makes the command safe to retry: the same key with the same request answers "
    "as the first attempt did and writes nothing; with another request it is a 422.",
    json_schema_extra={"pattern": IDEMPOTENCY_KEY.pattern, "examples": ["5b0c1f7e-retry-1"]},
)


async def _command_context(
    request: Request, principal: Principal, idempotency_key: str | None
) -> CommandContext:
    fingerprint = None
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ValidationError(
                "Idempotency-Key",
                f"must be 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters (spaces inside only)",
            )
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


async def command_context(
    request: Request,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, _KEY_HEADER] = None,
) -> CommandContext:
    return await _command_context(request, principal, idempotency_key)


async def keyed_command_context(
    request: Request, principal: PrincipalDep, idempotency_key: Annotated[str, _KEY_HEADER]
) -> CommandContext:
    """A command that must never run twice by accident (checkout): the key is required."""
    return await _command_context(request, principal, idempotency_key)


CommandCtx = Annotated[CommandContext, Depends(command_context)]
KeyedCommandCtx = Annotated[CommandContext, Depends(keyed_command_context)]


@raises(412)
async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The version the command expects the aggregate to be at, e.g. "3" '
            "(its ETag): another version answers 412 and writes nothing.",
            json_schema_extra={"pattern": ETAG.pattern, "examples": ['"3"']},
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    match = ETAG.match(if_match)
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
        request: Request,
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
            freshness = {
                "X-Orion-Position": str(wanted),
                "X-Orion-Consistent": "true" if reached else "false",
            }
            response.headers.update(freshness)
            # An error answer (a 404 while the read model lags) says it too: "not there yet"
            # is then told apart from "not there".
            request.state.freshness = freshness
        return wanted or None

    return dependency
