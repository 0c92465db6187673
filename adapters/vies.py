"""The real VIES client: the European Commission's REST API (``POST /check-vat-number``).

Never raises for VIES being away: an unanswered check is a ``VatCheck`` with ``valid=None`` and
the reason, which checkout treats as an unverified number (taxed as a consumer sale).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from application.tax.vies import VatCheck

VIES_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"


class ViesClient:
    def __init__(self, base_url: str = VIES_URL, *, timeout_seconds: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout_seconds

    def check(self, number: str) -> VatCheck:
        prefix, rest = number[:2].upper(), number[2:]
        asked_at = datetime.now(UTC).isoformat()
        try:
            response = httpx.post(
                f"{self.base_url}/check-vat-number",
                json={"countryCode": prefix, "vatNumber": rest},
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:
            return VatCheck(number, None, asked_at, error=type(error).__name__)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "valid" not in body:
            return VatCheck(number, None, asked_at, error=_error_of(body, response.status_code))
        return VatCheck(
            number=number,
            valid=bool(body["valid"]),
            checked_at=str(body.get("requestDate") or asked_at),
            request_identifier=body.get("requestIdentifier") or None,
            name=_text(body.get("name")),
            address=_text(body.get("address")),
        )


def _error_of(body: dict[str, Any], status: int) -> str:
    for wrapper in body.get("errorWrappers") or []:
        if isinstance(wrapper, dict) and wrapper.get("error"):
            return str(wrapper["error"])
    return f"HTTP_{status}"


def _text(value: object) -> str | None:
    # VIES writes "---" where a member state gives no name or address.
    if not isinstance(value, str) or value.strip() in ("", "---"):
        return None
    return value.strip()
