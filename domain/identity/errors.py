from __future__ import annotations

from domain.shared.errors import ConflictError, NotFoundError, ValidationError


class EmailTakenError(ConflictError):
    code = "email_taken"


class AccountNotFoundError(NotFoundError):
    code = "account_not_found"


class InvitationNotFoundError(NotFoundError):
    code = "invitation_not_found"


class MemberNotFoundError(NotFoundError):
    code = "member_not_found"


class ApiKeyNotFoundError(NotFoundError):
    code = "api_key_not_found"


class AddressNotFoundError(NotFoundError):
    code = "address_not_found"


class LastOwnerError(ConflictError):
    code = "last_owner"


class AccountStateError(ConflictError):
    code = "account_state"


class TokenError(ValidationError):
    """A single-use token that is unknown, used, expired or revoked (422, field "token")."""

    def __init__(self, detail: str = "the token is invalid, used or expired") -> None:
        super().__init__("token", detail)

    code = "invalid_token"
