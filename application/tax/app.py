"""The tax context's service: a store's tax settings, and the VAT of a sale as the engine
(``domain.tax.policies.tax_sale``) computes it with those settings, the store's cross-border
sales so far and, when the store asks for it, VIES's word on the buyer's VAT number.

``TaxService`` is the orders' ``TaxPolicy`` port (``tax_checkout``): checkout calls it inside
its decision, with the store's tax settings read as reference data (at most a second old,
``application/repository.py``), and may call it more than once per order when a save conflicts.
VIES verdicts are therefore kept a while per number (``VIES_KEPT``), so that a retry or a repeat
buyer does not ask again; a check VIES could not answer is never kept.

The running cross-border figure (the store's EU distance sales to consumers in Orion, net of
VAT, per calendar year) comes from a read model of the orders through the ``CrossBorderSales``
port, and is kept for ``FIGURES_KEPT`` per store and year (checkout asks for every sale to a
consumer abroad). It lags the log by the projector's delay and that second: a sale or two
placed moments apart near the EUR 10,000 threshold may each be judged on a figure that does not
count the other yet.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.context import CommandContext
from application.platform import CommandResult, Decision, Platform, check_version
from application.tax.vies import VatCheck, VatRegistry
from domain.orders.policies import ZeroTax
from domain.shared.errors import PreconditionFailedError
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError
from domain.tax.aggregates import TaxSettings
from domain.tax.errors import InvalidVatNumberError
from domain.tax.policies import (
    Buyer,
    TaxLine,
    TaxResult,
    normalise_vat_number,
    supply_date,
    tax_sale,
    vat_number_country,
    vat_number_valid,
)
from domain.tax.values import DISTANCE_SALES_THRESHOLD, EU_COUNTRIES

# How long VIES's definite answer about a number is trusted; an unanswered check is not kept.
VIES_KEPT = timedelta(hours=24)
VIES_KEPT_MAX = 10_000  # numbers remembered; past that, the oldest answers are dropped
# How long a store's cross-border figures are used before the read model is asked again.
FIGURES_KEPT = timedelta(seconds=1)
FIGURES_KEPT_MAX = 10_000
_NOWHERE = UUID(int=0)


class CrossBorderSales(Protocol):
    """The store's EU distance sales to consumers in Orion in the year before ``year`` and in
    ``year`` (calendar years of the supply date), in cents net of VAT, less cancelled orders'.
    A read model's figures: they lag the log by the projector's delay."""

    def __call__(self, store_id: UUID, year: int, /) -> tuple[int, int]: ...


class TaxService:
    def __init__(
        self, platform: Platform, vies: VatRegistry, cross_border: CrossBorderSales
    ) -> None:
        self.platform = platform
        self.vies = vies
        self.cross_border = cross_border
        self._checks: dict[str, tuple[datetime, VatCheck]] = {}
        self._figures: dict[tuple[UUID, int], tuple[datetime, tuple[int, int]]] = {}
        self._lock = threading.Lock()
        # A store without settings of its own has these (read only, never saved).
        self._defaults = TaxSettings.create(
            store_id=_NOWHERE, at=datetime.fromisoformat("2023-01-01T00:00:00+00:00")
        )

    # -- settings -------------------------------------------------------------------------------

    def _found(self, store_id: UUID) -> TaxSettings | None:
        return self.platform.find(TaxSettings, TaxSettings.id_for(store_id))

    def _settings(self, store_id: UUID) -> TaxSettings:
        return self._found(store_id) or self._defaults

    def settings(self, store_id: UUID) -> dict[str, Any]:
        """The store's tax settings as the API shows them, and their ``version`` (0: the
        defaults, never changed)."""
        found = self._found(store_id)
        return {
            **(found or self._defaults).settings(),
            "version": found.version if found else 0,
        }

    def change_settings(
        self,
        ctx: CommandContext,
        store_id: UUID,
        values: dict[str, Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        """Changes the settings ``values`` names. The store's VAT number must have been issued
        by the store's own member state."""

        def decide(at: datetime) -> Decision:
            store = self.platform.find(Store, store_id)
            if store is None:
                raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
            found = self._found(store_id)
            if found is not None:
                check_version(found, expected_version)
            elif expected_version not in (None, 0):
                raise PreconditionFailedError(
                    f"If-Match version {expected_version} is stale; the store's tax settings "
                    "were never changed (version 0)",
                    current_version=0,
                )
            settings = found or TaxSettings.create(store_id=store_id, at=at)
            settings.change(values=values, at=at)
            if values.get("vat_number") and settings.vat_number is not None:
                issued_by = vat_number_country(settings.vat_number)
                if issued_by != store.country:
                    raise InvalidVatNumberError(
                        "vat_number",
                        f"must be a VAT number of {store.country}, the store's country "
                        f"(this one is of {issued_by})",
                    )
            return Decision(settings)

        return self.platform.execute(ctx.for_store(store_id), "ChangeTaxSettings", decide)

    # -- VIES -----------------------------------------------------------------------------------

    def check_vat_number(self, number: str, *, now: datetime | None = None) -> VatCheck:
        """VIES's word on a (stdnum-valid) number, as given within ``VIES_KEPT`` of ``now``;
        asked again when VIES could not answer last time."""
        number = normalise_vat_number(number)
        now = now or self.platform.clock.now()
        with self._lock:
            kept = self._checks.get(number)
        if kept is not None and now - kept[0] < VIES_KEPT:
            return kept[1]
        check = self.vies.check(number)
        if check.valid is not None:
            with self._lock:
                self._checks.pop(number, None)
                if len(self._checks) >= VIES_KEPT_MAX:
                    for stale in list(self._checks)[: VIES_KEPT_MAX // 2]:
                        del self._checks[stale]
                self._checks[number] = (now, check)
        return check

    def _buyer(
        self,
        settings: TaxSettings,
        store_country: str,
        buyer_country: str,
        vat_number: str | None,
        now: datetime,
    ) -> tuple[Buyer, VatCheck | None]:
        """The buyer, and VIES's answer if it was asked. VIES is asked only when the store checks
        numbers and the verdict could make the sale an intra-EU supply (a number stdnum accepts,
        of another member state than the store's, for goods going to another member state, from
        a store with a number)."""
        if not vat_number:
            return Buyer(buyer_country), None
        country = buyer_country.strip().upper() if isinstance(buyer_country, str) else ""
        if (
            not settings.vies_check
            or settings.vat_number is None
            or country == store_country
            or country not in EU_COUNTRIES
            or not vat_number_valid(vat_number)
            or vat_number_country(vat_number) == store_country
        ):
            return Buyer(buyer_country, vat_number), None
        check = self.check_vat_number(vat_number, now=now)
        # Unverifiable (VIES away) is taxed as a consumer's sale, as an invalid number is.
        return Buyer(buyer_country, vat_number, vat_number_verified=check.valid is True), check

    # -- the VAT of a sale ----------------------------------------------------------------------

    def _taxed(
        self,
        store_id: UUID,
        store_country: str,
        settings: TaxSettings,
        buyer: Buyer,
        *,
        lines: Sequence[TaxLine],
        shipping: int,
        on: date,
        now: datetime,
    ) -> TaxResult:
        last_year = this_year = 0
        country = buyer.country.strip().upper() if isinstance(buyer.country, str) else ""
        # The cross-border figure only matters for a sale to another member state by a store
        # not opted in to OSS and within the threshold last year (as its settings say).
        if (
            country != store_country
            and country in EU_COUNTRIES
            and not settings.oss_opt_in
            and settings.sales_before_orion(on.year)[0] <= DISTANCE_SALES_THRESHOLD
        ):
            last_year, this_year = self._cross_border(store_id, on.year, now)
        # Orion's own sales of last year count towards last year's figure too: a store that
        # crossed the threshold in Orion sells at destination all of this year.
        seller = settings.seller(
            country=store_country, year=on.year, in_orion=(last_year, this_year)
        )
        return tax_sale(
            seller=seller,
            buyer=buyer,
            lines=lines,
            shipping=shipping,
            prices_include_vat=settings.prices_include_vat,
            on=on,
        )

    def _cross_border(self, store_id: UUID, year: int, now: datetime) -> tuple[int, int]:
        """The read model's figures for the year before ``year`` and ``year``, as read within
        ``FIGURES_KEPT`` of ``now``."""
        key = (store_id, year)
        with self._lock:
            kept = self._figures.get(key)
        if kept is not None and timedelta(0) <= now - kept[0] < FIGURES_KEPT:
            return kept[1]
        figures = self.cross_border(store_id, year)
        with self._lock:
            if len(self._figures) >= FIGURES_KEPT_MAX:
                self._figures.clear()
            self._figures[key] = (now, figures)
        return figures

    def tax_checkout(
        self,
        *,
        store_id: UUID,
        store_country: str,
        lines: Sequence[TaxLine],
        shipping: int,
        buyer_country: str,
        buyer_vat_number: str | None,
        at: datetime,
    ) -> TaxResult:
        """The orders' ``TaxPolicy``: the VAT of a checkout at the instant ``at`` (the rates of
        the day it is in the store's member state). A store outside the EU, which the engine
        does not tax, sells without VAT."""
        if store_country not in EU_COUNTRIES:
            return ZeroTax().tax_checkout(
                store_id=store_id,
                store_country=store_country,
                lines=lines,
                shipping=shipping,
                buyer_country=buyer_country,
                buyer_vat_number=buyer_vat_number,
                at=at,
            )
        settings = self._settings(store_id)
        buyer, check = self._buyer(settings, store_country, buyer_country, buyer_vat_number, at)
        taxed = self._taxed(
            store_id,
            store_country,
            settings,
            buyer,
            lines=lines,
            shipping=shipping,
            on=supply_date(at, store_country),
            now=at,
        )
        # The order keeps VIES's answer with the VAT it decided: the proof of a 0% supply.
        return taxed if check is None else replace(taxed, vat_check=check.as_dict())

    def _store(self, store_id: UUID) -> Store:
        store = self.platform.find(Store, store_id)
        if store is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return store

    def quote(
        self,
        store_id: UUID,
        *,
        buyer_country: str,
        buyer_vat_number: str | None = None,
        lines: Sequence[Mapping[str, Any]],
        shipping: int = 0,
        date: date | None = None,
    ) -> TaxResult:
        """What checkout would charge for ``lines`` (``tax_category``, ``unit_price``,
        ``quantity``) and ``shipping`` sold to a buyer in ``buyer_country`` (with a VAT number,
        a business) on the day ``date`` (today in the store's member state by default), without
        placing anything."""
        store = self._store(store_id)
        taxed = [
            TaxLine(
                key=str(i),
                tax_category=line["tax_category"],
                unit_price=line["unit_price"],
                quantity=line["quantity"],
            )
            for i, line in enumerate(lines)
        ]
        now = self.platform.clock.now()
        if store.country not in EU_COUNTRIES:
            at = now if date is None else datetime.combine(date, now.timetz())
            return self.tax_checkout(
                store_id=store_id,
                store_country=store.country,
                lines=taxed,
                shipping=shipping,
                buyer_country=buyer_country,
                buyer_vat_number=buyer_vat_number,
                at=at,
            )
        settings = self._settings(store_id)
        return self._taxed(
            store_id,
            store.country,
            settings,
            self._buyer(settings, store.country, buyer_country, buyer_vat_number, now)[0],
            lines=taxed,
            shipping=shipping,
            on=date or supply_date(now, store.country),
            now=now,
        )

    def estimate(
        self, store_id: UUID, lines: Sequence[TaxLine], *, buyer_country: str | None = None
    ) -> TaxResult:
        """An estimate of a cart's VAT, without shipping, for a consumer in ``buyer_country``
        (the store's own country by default), today. Reads the store and its settings as
        reference data (at most a second old): a shop's every cart view asks."""
        repository = self.platform.repository
        store = repository.recent(Store, store_id)
        if store is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        settings = repository.recent(TaxSettings, TaxSettings.id_for(store_id)) or self._defaults
        country = buyer_country or store.country
        now = self.platform.clock.now()
        if store.country not in EU_COUNTRIES:
            return ZeroTax().tax_checkout(
                store_id=store_id,
                store_country=store.country,
                lines=lines,
                shipping=0,
                buyer_country=country,
                buyer_vat_number=None,
                at=now,
            )
        return self._taxed(
            store_id,
            store.country,
            settings,
            Buyer(country),
            lines=lines,
            shipping=0,
            on=supply_date(now, store.country),
            now=now,
        )
