"""Bodies and answers of the staff-side identity API: sign-in, the caller's own account,
platform users, store teams and API keys.

Limits here are the outer bounds (sizes an attacker could abuse); the rules themselves (e-mail
syntax, the password rule, names) are the core's, so their messages say the rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.identity.values import MAX_NAME, MAX_PASSWORD
from interfaces.api.common import CommandAnswer, Email, NewPassword, StrictModel

Role = Literal["owner", "admin", "manager", "staff", "viewer"]
MAX_TOKEN = 512  # refresh, reset and invitation tokens are well under 200 characters

Token = Annotated[str, Field(min_length=1, max_length=MAX_TOKEN)]


# -- sign-in and sessions --------------------------------------------------------------------


class LoginBody(StrictModel):
    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    use_cookies: bool = False


class RefreshBody(StrictModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN)
    use_cookies: bool = False


class LogoutBody(StrictModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN)


class ProfileUpdate(StrictModel):
    name: str = Field(max_length=MAX_NAME)


class PasswordChange(StrictModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: NewPassword
    use_cookies: bool = False


class ResetRequest(StrictModel):
    email: Email


class ResetConfirm(StrictModel):
    token: Token
    new_password: NewPassword


class InvitationAccept(StrictModel):
    token: Token
    password: NewPassword
    name: str = Field(default="", max_length=MAX_NAME)
    use_cookies: bool = False


class Membership(BaseModel):
    store_id: UUID
    role: str
    store_code: str | None = None
    store_name: str | None = None


class Me(BaseModel):
    """The caller. The bootstrap token and API keys have no profile: only kind and id."""

    id: str
    kind: str
    platform_admin: bool
    email: str | None = None
    name: str | None = None
    version: int | None = None
    memberships: list[Membership] = Field(default_factory=list)
    store_id: UUID | None = None  # an API key's store
    role: str | None = None  # an API key's role


# -- platform users (admins) -----------------------------------------------------------------


class UserCreate(StrictModel):
    email: Email
    name: str = Field(min_length=1, max_length=MAX_NAME)
    password: NewPassword
    platform_admin: bool = True


class UserUpdate(StrictModel):
    platform_admin: bool | None = None


class UserDisable(StrictModel):
    reason: str = Field(min_length=1, max_length=200)


class UserPublic(BaseModel):
    id: UUID
    email: str | None  # None once erased
    name: str | None
    platform_admin: bool
    status: str
    version: int
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    items: list[UserPublic]
    next_cursor: str | None


# -- store teams -----------------------------------------------------------------------------


class InvitationCreate(StrictModel):
    email: Email
    role: Role


class InvitationAnswer(CommandAnswer):
    """The team's id and version, and the new invitation's id."""

    invitation_id: UUID


class InvitationPublic(BaseModel):
    id: UUID
    email: str | None  # shredded once accepted or revoked
    role: str
    status: str
    expires_at: datetime
    created_at: datetime


class InvitationList(BaseModel):
    items: list[InvitationPublic]


class MemberPublic(BaseModel):
    user_id: UUID
    role: str
    email: str | None
    name: str | None
    status: str
    joined_at: datetime
    updated_at: datetime


class MemberList(BaseModel):
    items: list[MemberPublic]


class RoleChange(StrictModel):
    role: Role


# -- API keys --------------------------------------------------------------------------------


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    role: Role


class ApiKeyCreated(CommandAnswer):
    """Carries the key itself: shown this once, never again (only a hash is kept)."""

    token: str
    prefix: str
    name: str
    role: str


class ApiKeyPublic(BaseModel):
    id: UUID
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyList(BaseModel):
    items: list[ApiKeyPublic]
