"""How a new session reaches the client: tokens in the JSON body for API clients, or HttpOnly
cookies (plus a CSRF cookie) for browsers that ask for them with ``"use_cookies": true``."""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from pydantic import BaseModel

from application.identity.accounts import IssuedSession
from interfaces.api.deps import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from interfaces.bootstrap import Orion


class SessionAnswer(BaseModel):
    account_id: str
    session_id: str
    token_type: str = "Bearer"
    expires_in: int
    # The log position of the session's events: pass it as min_position to read your writes.
    position: int
    # Left out when the session went into cookies: script on the page never sees the tokens.
    access_token: str | None = None
    refresh_token: str | None = None
    csrf_token: str | None = None


def session_answer(
    issued: IssuedSession,
    response: Response,
    orion: Orion,
    *,
    use_cookies: bool,
    refresh_path: str,
) -> SessionAnswer:
    response.headers["Cache-Control"] = "no-store"
    answer = SessionAnswer(
        account_id=str(issued.account_id),
        session_id=str(issued.session_id),
        expires_in=issued.expires_in,
        position=issued.result.position,
    )
    if not use_cookies:
        answer.access_token = issued.access_token
        answer.refresh_token = issued.refresh_token
        return answer
    secure = orion.settings.cookie_secure
    refresh_age = int(orion.kit.refresh_lifetime.total_seconds())
    response.set_cookie(
        ACCESS_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    # The refresh cookie goes only to the refresh and logout endpoints, never elsewhere.
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=refresh_age,
        httponly=True,
        secure=secure,
        samesite="strict",
        path=refresh_path,
    )
    csrf = secrets.token_urlsafe(24)
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=refresh_age, httponly=False, secure=secure, samesite="strict"
    )
    answer.csrf_token = csrf
    return answer


def clear_session_cookies(response: Response, *, refresh_path: str) -> None:
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=refresh_path)
    response.delete_cookie(CSRF_COOKIE, path="/")


def refresh_token_from(request: Request, given: str | None) -> str | None:
    """The refresh token from the body, or from its cookie (browsers)."""
    return given or request.cookies.get(REFRESH_COOKIE)


def client_ip(request: Request) -> str:
    # Behind a proxy, uvicorn's --proxy-headers sets request.client from X-Forwarded-For.
    return request.client.host if request.client else "unknown"
