"""The shared input checks: whole numbers and storable text, refused with the field named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.checks import check_line, check_storable, check_text, check_whole
from domain.shared.errors import ValidationError


@pytest.mark.parametrize("value", [True, 1.0, "1", None, [1]])
def test_a_whole_number_is_an_int_and_nothing_else(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        check_whole(value, "quantity")
    assert refused.value.field == "quantity"


@given(st.integers(-5, 5), st.integers(-5, 5), st.integers(-10, 10))
def test_a_whole_number_within_its_bounds_passes_and_no_other(low: int, high: int, n: int) -> None:
    if low <= n <= high:
        assert check_whole(n, "n", low=low, high=high) == n
    else:
        with pytest.raises(ValidationError):
            check_whole(n, "n", low=low, high=high)


@pytest.mark.parametrize("value", ["a\x00b", "x\ud800", "\udfff", 3, None])
def test_text_that_cannot_be_stored_is_refused(value: object) -> None:
    for check in (check_line, check_text):
        with pytest.raises(ValidationError) as refused:
            check(value, "title", limit=100)
        assert refused.value.field == "title"
    with pytest.raises(ValidationError):
        check_storable(value, "title")


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(" \t\n\r")))
def test_one_line_folds_its_white_space_and_keeps_the_rest(text: str) -> None:
    folded = " ".join(text.split())
    if not folded:
        with pytest.raises(ValidationError, match="blank"):
            check_line(text, "name", limit=1000)
        assert check_line(text, "name", limit=1000, required=False) == ""
    else:
        assert check_line(text, "name", limit=1000) == folded
        with pytest.raises(ValidationError, match="at most"):
            check_line(text, "name", limit=len(folded) - 1)


def test_control_characters_are_refused_but_text_keeps_its_lines() -> None:
    with pytest.raises(ValidationError, match="control"):
        check_line("a\x07b", "name", limit=10)
    with pytest.raises(ValidationError, match="control"):
        check_text("a\x1bb", "note", limit=10)
    assert check_text("  one\n\ttwo \n", "note", limit=20) == "one\n\ttwo"
    assert check_line("  one\n\ttwo ", "name", limit=20) == "one two"
