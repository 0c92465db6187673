"""The shipping context's values: the kinds of rate, their checks and what each charges."""

from __future__ import annotations

from typing import Any

from domain.shared.checks import check_line, check_whole
from domain.shared.errors import ValidationError
from domain.stores.values import check_country

KINDS = ("flat", "weight", "free_over")
MAX_AMOUNT = 100_000_000


def _amount(value: Any, field: str) -> int:
    return check_whole(value, field, low=0, high=MAX_AMOUNT)


def check_rate(spec: dict[str, Any]) -> dict[str, Any]:
    """A rate's definition, checked and normalised (plain data: it goes into events)."""
    name = check_line(spec.get("name") or "", "name", limit=100)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
    countries = spec.get("countries") or []
    if not isinstance(countries, list) or len(countries) > 300:
        raise ValidationError("countries", "must be a list of ISO countries (empty: everywhere)")
    checked_countries: list[str] = []
    for i, c in enumerate(countries):
        try:
            checked_countries.append(check_country(str(c)))
        except ValidationError as error:
            raise ValidationError(f"countries[{i}]", error.detail) from None
    rate: dict[str, Any] = {"name": name, "kind": kind, "countries": sorted(set(checked_countries))}
    rate["amount"] = _amount(spec.get("amount", 0), "amount")
    if kind == "weight":
        bands = spec.get("bands") or []
        if not isinstance(bands, list) or not 1 <= len(bands) <= 50:
            raise ValidationError("bands", "a weight rate needs 1-50 bands")
        checked = []
        for i, band in enumerate(bands):
            if not isinstance(band, dict):
                raise ValidationError(f"bands[{i}]", "must be {max_grams, amount}")
            grams = check_whole(band.get("max_grams"), f"bands[{i}].max_grams", low=1)
            checked.append(
                {"max_grams": grams, "amount": _amount(band.get("amount"), f"bands[{i}].amount")}
            )
        rate["bands"] = sorted(checked, key=lambda b: b["max_grams"])
    if kind == "free_over":
        rate["free_over"] = _amount(spec.get("free_over"), "free_over")
    return rate


def price_of(rate: dict[str, Any], *, subtotal: int, weight_grams: int) -> int | None:
    """What the rate charges for an order, or None if it does not apply (too heavy)."""
    if rate["kind"] == "flat":
        return int(rate["amount"])
    if rate["kind"] == "free_over":
        return 0 if subtotal >= rate["free_over"] else int(rate["amount"])
    for band in rate["bands"]:
        if weight_grams <= band["max_grams"]:
            return int(band["amount"])
    return None
