"""The checks of raw input that every context shares: whole numbers and text.

One rule each, so that a name, a note or a quantity is refused the same way wherever it comes
in (the API, the CLI, a job), with a ``ValidationError`` naming the field. Text must be storable
as it is: PostgreSQL's text holds no NUL, and UTF-8 no lone surrogate (``"\\ud800"`` in JSON).
"""

from __future__ import annotations

import re

from domain.shared.errors import ValidationError

# C0 controls and DEL, but for the white space a multi-line text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # one line: \t \n \v \f \r fold


def check_whole(
    value: object, field: str, *, low: int | None = None, high: int | None = None
) -> int:
    """An ``int`` (never a bool, a float or a numeric string) within ``low``-``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise ValidationError(field, f"must be at least {low}")
        if low is None:
            raise ValidationError(field, f"must be at most {high}")
        raise ValidationError(field, f"must be between {low} and {high}")
    return value


def check_storable(value: object, field: str) -> str:
    """Text that can be stored as it is: a ``str`` with no NUL and no lone surrogate."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(field, "must be valid Unicode text") from None
    return value


def check_line(value: object, field: str, *, limit: int, required: bool = True) -> str:
    """One line of text (a name, a title): runs of white space become one space, and other
    control characters are refused. Blank is refused when ``required``, else ``""``."""
    text = check_storable(value, field)
    if _LINE_CONTROL.search(text):
        raise ValidationError(field, "must not contain control characters")
    cleaned = " ".join(text.split())
    return _sized(cleaned, field, limit=limit, required=required)


def check_text(value: object, field: str, *, limit: int, required: bool = True) -> str:
    """Text that may run over several lines (a description, a note), trimmed at both ends.
    Blank is refused when ``required``, else ``""``."""
    text = check_storable(value, field)
    if _CONTROL.search(text):
        raise ValidationError(field, "must not contain control characters")
    return _sized(text.strip(), field, limit=limit, required=required)


def _sized(cleaned: str, field: str, *, limit: int, required: bool) -> str:
    if required and not cleaned:
        raise ValidationError(field, "must not be blank")
    if len(cleaned) > limit:
        raise ValidationError(field, f"must be at most {limit} characters")
    return cleaned
