"""Rules for people's data: e-mails, passwords, names, phones, addresses, roles (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from domain.shared.checks import check_line, check_storable
from domain.shared.errors import ValidationError
from domain.stores.values import check_country, check_locale

MAX_EMAIL = 254
MIN_PASSWORD, MAX_PASSWORD = 10, 128
MAX_NAME = 100
MAX_LINE = 200
PASSWORD_RULE = (
    f"must be {MIN_PASSWORD}-{MAX_PASSWORD} characters, use at least 5 different characters "
    "and not contain the e-mail's name part"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,30}$")


def normalise_email(email: str, field: str = "email") -> str:
    """The canonical form used for lookups: syntax checked, domain lower-cased (no DNS)."""
    check_storable(email, field)
    if len(email) > MAX_EMAIL or _CONTROL.search(email):
        raise ValidationError(field, f"must be an e-mail address of at most {MAX_EMAIL} characters")
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(field, f"is not a valid e-mail address: {error}") from None
    # Local parts are case-sensitive by the RFC but not in practice: one person, one account.
    return checked.normalized.lower()


def check_password(password: str, *, email: str | None = None, field: str = "password") -> str:
    try:
        check_storable(password, field)
    except ValidationError:
        raise ValidationError(field, PASSWORD_RULE) from None
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(field, PASSWORD_RULE)
    if len(set(password)) < 5:
        raise ValidationError(field, PASSWORD_RULE)
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 3 and local in password.lower():
            raise ValidationError(field, PASSWORD_RULE)
    return password


def check_person_name(name: str, field: str) -> str:
    """A name as given, which may be left blank."""
    return check_line(name, field, limit=MAX_NAME, required=False)


def check_phone(phone: str | None, field: str = "phone") -> str | None:
    if phone is None or not phone.strip():
        return None
    cleaned = phone.strip()
    if not _PHONE.match(cleaned) or sum(c.isdigit() for c in cleaned) < 5:
        raise ValidationError(field, "must be a phone number: digits, spaces, + ( ) . / -")
    return cleaned


def check_language(language: str, field: str = "language") -> str:
    try:
        return check_locale(language)
    except ValidationError:
        raise ValidationError(field, f"{language!r} is not a known language or locale") from None


def _line(value: str | None, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required")
        return None
    return check_line(value, field, limit=MAX_LINE)


@dataclass(frozen=True)
class Address:
    """A postal address; billing addresses may carry a company and its EU VAT number."""

    first_name: str
    last_name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None
    company: str | None = None
    vat_number: str | None = None
    phone: str | None = None

    @classmethod
    def parse(cls, data: dict[str, Any], field: str = "address") -> Address:
        def f(name: str) -> str:
            return f"{field}.{name}"

        try:
            country = check_country(str(data.get("country") or ""))
        except ValidationError as error:
            raise ValidationError(f("country"), error.detail) from None
        vat = _line(data.get("vat_number"), f("vat_number"))
        if vat is not None:
            vat = check_vat_number(vat, f("vat_number"))
        return cls(
            first_name=check_person_name(str(data.get("first_name") or ""), f("first_name")),
            last_name=check_person_name(str(data.get("last_name") or ""), f("last_name")),
            line1=_line(data.get("line1"), f("line1"), required=True) or "",
            line2=_line(data.get("line2"), f("line2")),
            city=_line(data.get("city"), f("city"), required=True) or "",
            postal_code=_line(data.get("postal_code"), f("postal_code"), required=True) or "",
            region=_line(data.get("region"), f("region")),
            country=country,
            company=_line(data.get("company"), f("company")),
            vat_number=vat,
            phone=check_phone(data.get("phone"), f("phone")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def check_vat_number(number: str, field: str = "vat_number") -> str:
    """An EU VAT number, checked by its country's check digits (python-stdnum); no VIES call."""
    try:
        return str(eu_vat.validate(number))
    except StdnumError as error:
        raise ValidationError(field, f"is not a valid EU VAT number: {error}") from None


# -- store teams: roles and what each may do ---------------------------------------------------

ROLES = ("owner", "admin", "manager", "staff", "viewer")
AREAS = (
    "products",
    "inventory",
    "orders",
    "customers",
    "invoices",
    "settings",
    "team",
    "billing",
)
READ, WRITE = "read", "write"

_ALL = {(a, x) for a in AREAS for x in (READ, WRITE)}
_READ_BUSINESS = {(a, READ) for a in ("products", "inventory", "orders", "customers", "invoices")}
PERMISSIONS: dict[str, frozenset[tuple[str, str]]] = {
    "owner": frozenset(_ALL),
    # Admins run everything but the store's subscription (billing stays with owners).
    "admin": frozenset(_ALL - {("billing", WRITE)}),
    "manager": frozenset(
        _READ_BUSINESS
        | {(a, WRITE) for a in ("products", "inventory", "orders", "customers", "invoices")}
        | {("settings", READ), ("team", READ)}
    ),
    "staff": frozenset(_READ_BUSINESS | {("inventory", WRITE), ("orders", WRITE), ("team", READ)}),
    "viewer": frozenset(_READ_BUSINESS),
}


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLES:
        raise ValidationError(field, f"must be one of {', '.join(ROLES)}")
    return role


def role_allows(role: str | None, area: str, access: str) -> bool:
    return role is not None and (area, access) in PERMISSIONS.get(role, frozenset())
