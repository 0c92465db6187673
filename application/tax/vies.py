"""The VIES port: asks the European Commission's VAT Information Exchange System whether a VAT
number is registered. A store turns it on in its tax settings; the answer (with its request
identifier, the consultation number a tax office accepts as proof) is kept on the order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class VatCheck:
    """What VIES said of one number. ``valid`` is None when VIES could not answer (a member
    state's service down, a timeout): the number is then neither confirmed nor refused."""

    number: str
    valid: bool | None
    checked_at: str  # when VIES answered (its requestDate), or when we gave up asking
    request_identifier: str | None = None
    name: str | None = None
    address: str | None = None
    error: str | None = None  # VIES's error code (MS_UNAVAILABLE, TIMEOUT, ...) when not answered

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class VatRegistry(Protocol):
    def check(self, number: str) -> VatCheck:
        """Ask about a VAT number with its country prefix (``LU26375245``, ``EL094259216``)."""
        ...
