"""Throttles for guessable endpoints: password checks per IP and per account, reset requests
per IP and per address, registrations per IP.

A throttle that protects an account is keyed on the account the request reaches, never on the
address as typed: ``AccountService.email_ref`` names it by the id of the e-mail claim the
normalised address leads to. Every spelling of an address (case, padding, full-width letters
that IDNA maps to ASCII) then spends one budget, known and unknown addresses alike, and the key
is a keyed hash with no personal data in it. Signing in, accepting an invitation with an
existing account's password, changing a password and deleting one's account all check the
account's password, so they share its budget.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from domain.shared.errors import RateLimitedError
from interfaces.api.ratelimit import RateLimiter
from interfaces.api.sessions import client_ip

# Windows in seconds. Per account counts attempts since the last success, so a legitimate user
# who signs in is not locked out by their own earlier typos.
LOGIN_IP_WINDOW = 300
LOGIN_ACCOUNT_WINDOW = 900
RESET_WINDOW = 3600
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


def account_key(ref: UUID) -> str:
    """The key of an account's password checks (``ref``: ``AccountService.email_ref``)."""
    return f"password:account:{ref}"


def guard_password(request: Request, ref: UUID) -> str:
    """Counts a check of the password of the account ``ref`` names, from this client;
    refuses it (429) past either limit. Returns the account's key for ``password_proved``."""
    settings = request.app.state.orion.settings
    _hit(request, f"login:ip:{client_ip(request)}", (settings.login_limit_per_ip, LOGIN_IP_WINDOW))
    key = account_key(ref)
    _hit(request, key, (settings.login_limit_per_account, LOGIN_ACCOUNT_WINDOW))
    return key


def password_proved(request: Request, key: str) -> None:
    limiter(request).reset(key)


def guard_reset_request(request: Request, ref: UUID) -> None:
    """Counts a reset request from this client and for the address ``ref`` names (mails to
    one address are bounded, whoever asks, whether or not it has an account)."""
    settings = request.app.state.orion.settings
    _hit(request, f"reset:ip:{client_ip(request)}", (settings.reset_limit_per_ip, RESET_WINDOW))
    _hit(request, f"reset:account:{ref}", (settings.reset_limit_per_account, RESET_WINDOW))


def guard_registration(request: Request) -> None:
    _hit(request, f"register:ip:{client_ip(request)}", REGISTER_PER_IP)
