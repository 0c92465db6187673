"""Throttles for guessable endpoints: logins per IP and per account, reset requests per IP."""

from __future__ import annotations

from fastapi import Request

from domain.shared.errors import RateLimitedError
from interfaces.api.ratelimit import RateLimiter
from interfaces.api.sessions import client_ip

# (attempts, window in seconds). Per account counts attempts since the last success, so a
# legitimate user who signs in is not locked out by their own earlier typos.
LOGIN_IP_WINDOW = 300
LOGIN_ACCOUNT_WINDOW = 900
RESET_PER_IP = (10, 3600)
REGISTER_PER_IP = (20, 3600)


def limiter(request: Request) -> RateLimiter:
    found: RateLimiter = request.app.state.rate_limiter
    return found


def _hit(request: Request, key: str, rule: tuple[int, int]) -> None:
    decision = limiter(request).hit(key, *rule)
    if not decision.allowed:
        raise RateLimitedError(
            f"too many attempts; try again in {decision.retry_after} seconds",
            retry_after=decision.retry_after,
        )


def account_key(scope: str, email: str) -> str:
    # Hashed by the limiter before it reaches Redis; the same for known and unknown addresses.
    return f"login:account:{scope}:{email.strip().lower()}"


def guard_login(request: Request, scope: str, email: str) -> str:
    """Counts a login attempt; refuses it (429) past either limit. Returns the account key."""
    settings = request.app.state.orion.settings
    _hit(request, f"login:ip:{client_ip(request)}", (settings.login_limit_per_ip, LOGIN_IP_WINDOW))
    key = account_key(scope, email)
    _hit(request, key, (settings.login_limit_per_account, LOGIN_ACCOUNT_WINDOW))
    return key


def login_succeeded(request: Request, key: str) -> None:
    limiter(request).reset(key)


def guard_reset_request(request: Request) -> None:
    _hit(request, f"reset:ip:{client_ip(request)}", RESET_PER_IP)


def guard_registration(request: Request) -> None:
    _hit(request, f"register:ip:{client_ip(request)}", REGISTER_PER_IP)
