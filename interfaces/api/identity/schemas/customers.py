"""Bodies and answers of the storefront account and of the store's customer desk.

Limits here are the transport's (so an oversized field is refused before any work is done);
the rules themselves (e-mail syntax, password strength, phone, VAT number) are the domain's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.identity.values import MAX_LINE, MAX_NAME, MAX_PASSWORD
from interfaces.api.common import (
    CommandAnswer,
    CountryCode,
    Email,
    NewPassword,
    Omittable,
    StrictModel,
)

MAX_PHONE = 32
MAX_TOKEN = 512


# -- the customer's own account -------------------------------------------------------------


class Register(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.org",
                    "password": "analytical engine",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "marketing_consent": False,
                }
            ]
        }
    )

    email: Email
    password: NewPassword
    first_name: str = Field(default="", max_length=MAX_NAME)
    last_name: str = Field(default="", max_length=MAX_NAME)
    phone: str | None = Field(default=None, max_length=MAX_PHONE)
    language: str | None = Field(default=None, min_length=2, max_length=32)
    marketing_consent: bool = False
    use_cookies: bool = False


class Login(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.org", "password": "analytical engine"}]
        }
    )

    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    use_cookies: bool = False


class Logout(StrictModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN)


class Refresh(StrictModel):
    # Left out by browsers: the refresh token then comes from its cookie.
    refresh_token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN)
    use_cookies: bool = False


class ResetRequest(StrictModel):
    email: Email


class ResetConfirm(StrictModel):
    token: str = Field(min_length=1, max_length=MAX_TOKEN)
    new_password: NewPassword


class ResetRequested(BaseModel):
    detail: str


class ProfileUpdate(StrictModel):
    """What to change: a member left out is kept; a null name or phone clears it."""

    first_name: str | None = Field(default=None, max_length=MAX_NAME)
    last_name: str | None = Field(default=None, max_length=MAX_NAME)
    phone: str | None = Field(default=None, max_length=MAX_PHONE)
    language: str = Omittable(min_length=2, max_length=32)
    marketing_consent: bool = Omittable()


class PasswordChange(StrictModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: NewPassword
    use_cookies: bool = False


class EraseMe(StrictModel):
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class _AddressFields(StrictModel):
    first_name: str | None = Field(default=None, max_length=MAX_NAME)
    last_name: str | None = Field(default=None, max_length=MAX_NAME)
    company: str | None = Field(default=None, max_length=MAX_LINE)
    vat_number: str | None = Field(default=None, max_length=32)
    line1: str | None = Field(default=None, max_length=MAX_LINE)
    line2: str | None = Field(default=None, max_length=MAX_LINE)
    city: str | None = Field(default=None, max_length=MAX_LINE)
    postal_code: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=MAX_LINE)
    country: str | None = Field(default=None, max_length=2)
    phone: str | None = Field(default=None, max_length=MAX_PHONE)

    def address_fields(self) -> dict[str, Any]:
        """The fields the client sent, without the default flags."""
        return self.model_dump(exclude_unset=True, exclude={"default_shipping", "default_billing"})


class AddressCreate(_AddressFields):
    # Required here; which of the others may be empty is the domain's rule (Address.parse).
    line1: str = Field(min_length=1, max_length=MAX_LINE)
    city: str = Field(min_length=1, max_length=MAX_LINE)
    postal_code: str = Field(min_length=1, max_length=32)
    country: CountryCode
    default_shipping: bool = False
    default_billing: bool = False


class AddressUpdate(_AddressFields):
    """What to change: a member left out is kept; a null optional line clears it."""

    # An address always has these: they may change, not go.
    line1: str = Omittable(min_length=1, max_length=MAX_LINE)
    city: str = Omittable(min_length=1, max_length=MAX_LINE)
    postal_code: str = Omittable(min_length=1, max_length=32)
    country: CountryCode = Omittable()
    # True makes the address the default; there is no "no default" once one exists.
    default_shipping: bool | None = None
    default_billing: bool | None = None


class AddressPublic(BaseModel):
    id: UUID
    first_name: str
    last_name: str
    company: str | None = None
    vat_number: str | None = None
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    region: str | None = None
    country: str
    phone: str | None = None
    default_shipping: bool
    default_billing: bool


class AddressAnswer(CommandAnswer):
    """The customer's new version and position, and the id of the address just added."""

    address_id: UUID


class Me(BaseModel):
    id: UUID
    store_id: UUID
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    language: str
    marketing_consent: bool
    status: str
    version: int
    created_at: datetime
    addresses: list[AddressPublic]


class ExportedEvent(BaseModel):
    type: str
    at: datetime | None
    version: int


class CustomerExport(BaseModel):
    """Everything held about the customer (right of access), as a download."""

    customer: Me
    history: list[ExportedEvent]
    erased: bool


# -- the store's customer desk --------------------------------------------------------------


class Deactivate(StrictModel):
    reason: str = Field(min_length=1, max_length=200)


class CustomerPublic(BaseModel):
    id: UUID
    store_id: UUID
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    language: str | None
    marketing_consent: bool
    status: str
    order_count: int
    total_spent_minor: int
    currency: str | None
    last_order_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerDetail(CustomerPublic):
    addresses: list[AddressPublic]


class CustomerList(BaseModel):
    items: list[CustomerPublic]
    next_cursor: str | None
