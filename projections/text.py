"""Text folding shared by the search documents and the search queries (accent-insensitive)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+|_")


def fold(text: str) -> str:
    """Lower-case, strip accents, and turn punctuation into spaces: "Café-Crème" → "cafe creme"."""
    if text.isascii():  # the common case: no accents to strip, no decomposition needed
        return " ".join(_NON_WORD.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


def tokens(query: str, limit: int = 12) -> list[str]:
    return fold(query).split()[:limit]
