"""A store's tax settings: its VAT number, whether its prices include VAT, its OSS choice,
whether buyers' VAT numbers are checked against VIES, and its cross-border sales to consumers
before Orion (for the EUR 10,000 distance-sales threshold)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.shared.aggregate import OrionAggregate
from domain.shared.checks import check_whole
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.shared.money import MAX_AMOUNT
from domain.shared.topics import stable_topics
from domain.tax.policies import Seller, normalise_vat_number

FLAGS = ("prices_include_vat", "oss_opt_in", "vies_check")
SALES_FIGURES = ("previous_year", "current_year_before_orion")
SETTINGS = ("vat_number", *FLAGS, "cross_border_b2c_sales")


@stable_topics("tax")
class TaxSettings(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID

    class Changed(OrionAggregate.Event):
        values: dict[str, Any]

        def apply(self, settings: Any) -> None:
            for name, value in self.values.items():
                setattr(settings, name, dict(value) if isinstance(value, dict) else value)

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.vat_number: str | None = None
        self.prices_include_vat = True
        self.oss_opt_in = False
        self.vies_check = False
        # The figures as entered, and the calendar year they were entered in ("year"): they
        # speak of that year and the one before, so they age as the years turn.
        self.cross_border_b2c_sales: dict[str, int | None] = {
            **dict.fromkeys(SALES_FIGURES, 0),
            "year": None,
        }

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return store_singleton_id(store_id, "tax")

    @classmethod
    def create(cls, *, store_id: UUID, at: datetime) -> TaxSettings:
        return cls._create(cls.Created, id=cls.id_for(store_id), timestamp=at, store_id=store_id)

    def change(self, *, values: dict[str, Any], at: datetime) -> None:
        """Sets the settings ``values`` names (a partial ``cross_border_b2c_sales`` keeps the
        figure it leaves out); records only what differs, and nothing when nothing does."""
        changed: dict[str, Any] = {}
        for name, value in values.items():
            if name not in SETTINGS:
                raise ValidationError(name, "is not a tax setting")
            checked = self._checked(name, value, at)
            if getattr(self, name) != checked:
                changed[name] = checked
        if changed:
            self._trigger(self.Changed, at, values=changed)

    def _checked(self, name: str, value: Any, at: datetime) -> Any:
        if name == "vat_number":
            return None if value is None or value == "" else normalise_vat_number(value)
        if name in FLAGS:
            if not isinstance(value, bool):
                raise ValidationError(name, "must be true or false")
            return value
        if not isinstance(value, dict):
            raise ValidationError(name, f"must be {{{', '.join(SALES_FIGURES)}}}")
        figures = dict(self.cross_border_b2c_sales)
        for figure, amount in value.items():
            if figure not in SALES_FIGURES:
                raise ValidationError(f"{name}.{figure}", "is not a sales figure")
            figures[figure] = check_whole(amount, f"{name}.{figure}", low=0, high=MAX_AMOUNT)
        if any(figures[f] != self.cross_border_b2c_sales[f] for f in SALES_FIGURES):
            figures["year"] = at.year
        return figures

    def settings(self) -> dict[str, Any]:
        """The settings as the API shows them."""
        return {
            "vat_number": self.vat_number,
            **{flag: getattr(self, flag) for flag in FLAGS},
            "cross_border_b2c_sales": {
                **{f: self.cross_border_b2c_sales[f] for f in SALES_FIGURES},
                "year": self.cross_border_b2c_sales.get("year"),
            },
        }

    def sales_before_orion(self, year: int) -> tuple[int, int]:
        """The EU distance sales entered for ``year - 1`` and ``year`` (cents): figures entered
        in ``year`` as they were given; entered the year before, their "this year" is now last
        year's; older ones speak of neither."""
        figures = self.cross_border_b2c_sales
        entered = figures.get("year")
        previous, current = (
            int(figures["previous_year"] or 0),
            int(figures["current_year_before_orion"] or 0),
        )
        if entered is None or entered == year:
            return previous, current
        if entered == year - 1:
            return current, 0
        return 0, 0

    def seller(self, *, country: str, year: int, in_orion: tuple[int, int] = (0, 0)) -> Seller:
        """The store as the tax engine sees it in ``year``: ``country`` is the store's, and
        ``in_orion`` its EU distance sales to consumers in Orion (cents, net of VAT) the year
        before and this year, added to the figures entered for those years."""
        previous, current = self.sales_before_orion(year)
        return Seller(
            country=country,
            vat_number=self.vat_number,
            oss_opt_in=self.oss_opt_in,
            cross_border_previous_year=previous + in_orion[0],
            cross_border_current_year=current + in_orion[1],
        )
