"""Staff sign-in: login, refresh, logout, the caller's own account, password resets, and
accepting an invitation to a store's team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from application.context import CommandContext
from application.identity.accounts import IssuedSession
from application.identity.users import PLATFORM
from domain.shared.errors import AuthenticationError, PermissionDeniedError
from interfaces.api.auth import Principal, authenticate
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.contract import raises, requires_token
from interfaces.api.deps import (
    REFRESH_COOKIE,
    IfMatch,
    OrionDep,
    PrincipalDep,
    check_csrf,
    presented_token,
    read_after,
)
from interfaces.api.identity.schemas.staff import (
    InvitationAccept,
    LoginBody,
    LogoutBody,
    Me,
    Membership,
    PasswordChange,
    ProfileUpdate,
    RefreshBody,
    ResetConfirm,
    ResetRequest,
)
from interfaces.api.sessions import (
    SessionAnswer,
    clear_session_cookies,
    refresh_token_from,
    session_answer,
)
from interfaces.api.throttle import guard_password, guard_reset_request, password_proved
from interfaces.bootstrap import Orion
from projections.identity import queries

PREFIX = "/api/v1/auth"
REFRESH_PATH = PREFIX  # the refresh cookie goes to /refresh and /logout only
router = APIRouter(prefix=PREFIX, tags=["auth"])
Fresh = Annotated[int | None, Depends(read_after("team"))]


async def reject_customers(principal: PrincipalDep) -> Principal:
    """Staff routes: a customer's token is no credential here (401, as for any bad token)."""
    if principal.kind == "customer":
        raise AuthenticationError("a customer's token is not valid here; sign in as staff")
    return principal


@dataclass(frozen=True)
class Caller:
    principal: Principal
    user_id: UUID


@requires_token
async def require_user(principal: PrincipalDep) -> Caller:
    """A signed-in platform user (a member or a platform admin with an account)."""
    if principal.kind in ("anonymous", "customer"):
        raise AuthenticationError("sign in first")
    if principal.account_id is None:
        raise PermissionDeniedError(f"a {principal.kind} token has no account to change")
    return Caller(principal, principal.account_id)


UserDep = Annotated[Caller, Depends(require_user)]


def anonymous_ctx(request: Request) -> CommandContext:
    """Sign-in commands run before (or without) a valid access token: a stale access cookie
    must not stop a login or a refresh, so they do not resolve the principal."""
    return CommandContext(actor="anonymous:-", correlation_id=request.state.correlation_id)


def user_ctx(request: Request, principal: Principal) -> CommandContext:
    return CommandContext(actor=principal.actor, correlation_id=request.state.correlation_id)


def signed_in(
    issued: IssuedSession, response: Response, orion: Orion, *, use_cookies: bool
) -> SessionAnswer:
    # Like a command's answer, the log position of what was written (X-Orion-Position), so the
    # client can read its own writes (a new membership, say) with ``min_position``.
    response.headers["X-Orion-Position"] = str(issued.result.position)
    return session_answer(
        issued, response, orion, use_cookies=use_cookies, refresh_path=REFRESH_PATH
    )


def _uses_refresh_cookie(request: Request, given: str | None) -> bool:
    return given is None and REFRESH_COOKIE in request.cookies


# -- sessions --------------------------------------------------------------------------------


@router.post("/login", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(401, 429)
def login(body: LoginBody, request: Request, response: Response, orion: OrionDep) -> SessionAnswer:
    """Signs a user in. A wrong e-mail and a wrong password get the same answer."""
    key = guard_password(request, orion.users.email_ref(PLATFORM, body.email))
    issued = orion.users.login_user(
        anonymous_ctx(request), email=body.email, password=body.password
    )
    password_proved(request, key)
    return signed_in(issued, response, orion, use_cookies=body.use_cookies)


@router.post("/refresh", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(401, 403)
def refresh(
    request: Request, response: Response, orion: OrionDep, body: RefreshBody | None = None
) -> SessionAnswer:
    """Trades a refresh token (body, or the cookie) for new tokens; the old one stops working,
    and presenting it again ends the session."""
    body = body or RefreshBody()
    by_cookie = _uses_refresh_cookie(request, body.refresh_token)
    if by_cookie:
        check_csrf(request)
    token = refresh_token_from(request, body.refresh_token)
    if token is None:
        raise AuthenticationError("give the refresh token (in the body or its cookie)")
    issued = orion.users.refresh(anonymous_ctx(request), token, store_id=None)
    return signed_in(issued, response, orion, use_cookies=body.use_cookies or by_cookie)


@router.post("/logout", status_code=204, response_class=Response)
@raises(401, 403)
def logout(request: Request, orion: OrionDep, body: LogoutBody | None = None) -> Response:
    """Ends the caller's session: the one of the access token, else the one the refresh token
    proves. An expired access token does not stop a logout, so the principal is resolved here."""
    given = body.refresh_token if body else None
    token, access_by_cookie = presented_token(request)
    if access_by_cookie or _uses_refresh_cookie(request, given):
        check_csrf(request)
    principal: Principal | None = None
    if token is not None:
        try:
            principal = authenticate(orion, token)
        except AuthenticationError:
            principal = None
        if principal is not None and principal.kind == "customer":
            raise AuthenticationError("a customer's token is not valid here; sign in as staff")
    session_id = principal.session_id if principal else None
    actor = principal.actor if principal else None
    refresh_token = refresh_token_from(request, given)
    if session_id is None and refresh_token is not None:
        session = orion.users.session_of_refresh_token(refresh_token, store_id=None)
        if session is not None:
            session_id, actor = session.session_id, f"user:{session.account_id}"
    if session_id is None and principal is None and (token or refresh_token):
        # Something was presented and none of it was valid.
        raise AuthenticationError("the token is not valid")
    if session_id is not None:
        ctx = CommandContext(
            actor=actor or "anonymous:-", correlation_id=request.state.correlation_id
        )
        orion.users.end_session(ctx, session_id, reason="logout")
    response = Response(status_code=204)
    clear_session_cookies(response, refresh_path=REFRESH_PATH)
    return response


# -- the caller's own account ----------------------------------------------------------------


@router.get("/me", response_model=Me, response_model_exclude_none=True)
def me(principal: PrincipalDep, orion: OrionDep, _: Fresh) -> Me:
    if principal.kind in ("anonymous", "customer"):
        raise AuthenticationError("sign in as staff")
    user_id = principal.account_id
    if user_id is None:  # the bootstrap token or an API key: no person behind it
        return Me(
            id=principal.id,
            kind=principal.kind,
            platform_admin=principal.is_platform_admin,
            store_id=principal.store_id,
            role=principal.role,
        )
    user = orion.users.get(user_id)
    profile = orion.users.profile(user) or {}
    return Me(
        id=str(user.id),
        kind=principal.kind,
        platform_admin=user.platform_admin,
        email=profile.get("email"),
        name=profile.get("name"),
        version=user.version,
        memberships=[
            Membership.model_validate(m) for m in queries.memberships_of(orion.read, user_id)
        ],
    )


@router.patch("/me", response_model=CommandAnswer)
def update_me(
    body: ProfileUpdate,
    request: Request,
    caller: UserDep,
    orion: OrionDep,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    result = orion.users.update_profile(
        user_ctx(request, caller.principal),
        caller.user_id,
        name=body.name,
        expected_version=version,
    )
    return answer(result, response)


@router.post("/me/password", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(429)
def change_password(
    body: PasswordChange,
    request: Request,
    caller: UserDep,
    orion: OrionDep,
    response: Response,
) -> SessionAnswer:
    """Changes the password and signs out every session; this client gets a new one."""
    _, by_cookie = presented_token(request)
    # The current password is a guess like a login's (a stolen token must not allow more).
    key = guard_password(request, orion.users.account_ref(caller.user_id) or caller.user_id)
    issued = orion.users.change_password(
        user_ctx(request, caller.principal),
        caller.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        store_id=None,
    )
    password_proved(request, key)
    return signed_in(issued, response, orion, use_cookies=body.use_cookies or by_cookie)


# -- password resets -------------------------------------------------------------------------


@router.post("/password-reset/request", status_code=202, response_class=Response)
@raises(429)
def request_password_reset(body: ResetRequest, request: Request, orion: OrionDep) -> Response:
    """Answers 202 whether or not the address has an account: it reveals nothing, by its
    answer or by its time (the same work either way; the reset itself is a queued job). The
    mail with the link is sent by a job that follows the log."""
    ref = orion.users.email_ref(PLATFORM, body.email)
    guard_reset_request(request, ref)
    orion.enqueue(orion.users.password_reset_job(anonymous_ctx(request), ref))
    return Response(status_code=202)


@router.post("/password-reset/confirm", status_code=204, response_class=Response)
def confirm_password_reset(body: ResetConfirm, request: Request, orion: OrionDep) -> Response:
    orion.users.confirm_password_reset(
        anonymous_ctx(request), token=body.token, new_password=body.new_password
    )
    return Response(status_code=204)


# -- invitations -----------------------------------------------------------------------------


@router.post("/invitations/accept", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(429)
def accept_invitation(
    body: InvitationAccept, request: Request, response: Response, orion: OrionDep
) -> SessionAnswer:
    """A new person sets a password (and a name); someone with an account gives theirs."""
    # Giving an existing account's password here is a login attempt on it.
    ref = orion.teams.invitee_ref(body.token)
    key = guard_password(request, ref) if ref else None
    issued = orion.teams.accept(
        anonymous_ctx(request), token=body.token, password=body.password, name=body.name
    )
    if key:
        password_proved(request, key)
    return signed_in(issued, response, orion, use_cookies=body.use_cookies)
