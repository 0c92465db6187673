"""People erased since their read model last caught up.

A read model blanks a person's columns when it applies their ``Erased`` event, which may be well
after the erasure (the projector is behind, stopped, or in another process). Erasure must hold
at once everywhere, so queries mask such rows themselves: the rows that still show someone's
data cost one look at the key table (``ReadModels.erased``), the others none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.identity.aggregates import ERASED
from projections.read import ReadModels


def mask_erased(
    rm: ReadModels,
    rows: list[dict[str, Any]],
    *,
    subject: str,
    personal: Sequence[str],
    status: bool = False,
    searched: bool = False,
) -> list[dict[str, Any]]:
    """``rows``, where the person a row's ``subject`` column names was erased, with that row's
    ``personal`` columns set to None (and its ``status`` to erased, with ``status``). A row
    found by searching personal text (``searched``) is left out instead: it matched data that
    no longer exists."""
    showing = {
        row[subject]
        for row in rows
        if row.get(subject) is not None and any(row.get(c) is not None for c in personal)
    }
    erased = rm.erased(showing) if showing else set()
    if not erased:
        return rows
    if searched:
        return [row for row in rows if row[subject] not in erased]
    for row in rows:
        if row[subject] in erased:
            row.update(dict.fromkeys(personal))
            if status:
                row["status"] = ERASED
    return rows
