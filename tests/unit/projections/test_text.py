"""Folding text for search: documents and queries fold alike, accents and punctuation aside."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from projections.text import fold, tokens

_NON_WORD = re.compile(r"[^\w]+|_")


def reference(text: str) -> str:
    """The definition: decompose, drop combining marks, casefold, non-word runs to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_folds_as_defined(text: str) -> None:
    assert fold(text) == reference(text)


@given(st.text())
def test_any_text_folds_as_defined(text: str) -> None:
    assert fold(text) == reference(text)


def test_examples() -> None:
    assert fold("Café-Crème") == "cafe creme"
    assert fold("  T-shirt_XL\t(blue)!\x00") == "t shirt xl blue"
    assert fold("Straße") == "strasse"
    assert tokens("Le  Café, noir") == ["le", "cafe", "noir"]
