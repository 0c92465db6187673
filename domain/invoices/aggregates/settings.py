"""A store's invoicing settings: who the seller is on its invoices (legal name, address,
registration number, bank details), payment terms, footer, logo, language, the prefixes of its
number series, and whether an invoice is issued when an order is paid."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.invoices.errors import InvoicingNotSetUpError
from domain.invoices.values import (
    DEFAULTS,
    INVOICE,
    KINDS,
    SELLER_FIELDS,
    check_seller,
    check_setting,
)
from domain.shared.aggregate import OrionAggregate
from domain.shared.errors import ValidationError
from domain.shared.ids import store_singleton_id
from domain.shared.topics import stable_topics


@stable_topics("invoices")
class InvoicingSettings(OrionAggregate):
    class Created(OrionAggregate.Created):
        store_id: UUID

    class Changed(OrionAggregate.Event):
        values: dict[str, Any]  # only the settings that changed, checked and normalised

        def apply(self, settings: Any) -> None:
            settings.values = {**settings.values, **copy.deepcopy(self.values)}

    def __init__(self, store_id: UUID) -> None:
        self.store_id = store_id
        self.values: dict[str, Any] = copy.deepcopy(DEFAULTS)

    @staticmethod
    def id_for(store_id: UUID) -> UUID:
        return store_singleton_id(store_id, "invoicing")

    @classmethod
    def create(cls, *, store_id: UUID, at: datetime) -> InvoicingSettings:
        return cls._create(cls.Created, id=cls.id_for(store_id), timestamp=at, store_id=store_id)

    def change(self, *, values: dict[str, Any], at: datetime) -> None:
        """Changes the settings given (None clears an optional one); records only those that
        differ from what they are, and nothing when none does."""
        changed: dict[str, Any] = {}
        for key, value in values.items():
            checked = check_setting(key, value)
            if self.values.get(key) != checked:
                changed[key] = checked
        after = {**self.values, **changed}
        if after["series_prefix"] == after["credit_note_prefix"]:
            field = "credit_note_prefix" if "credit_note_prefix" in changed else "series_prefix"
            raise ValidationError(
                field, "invoices and credit notes need different prefixes (their own series)"
            )
        if changed:
            self._trigger(self.Changed, at, values=changed)

    # -- reading ----------------------------------------------------------------------------

    @property
    def issue_on_payment(self) -> bool:
        return bool(self.values["issue_on_payment"])

    @property
    def language(self) -> str:
        return str(self.values["language"])

    def prefix(self, kind: str) -> str:
        """The prefix of the kind's numbers: ``series_prefix`` for invoices,
        ``credit_note_prefix`` for credit notes."""
        if kind not in KINDS:
            raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
        return str(self.values["series_prefix" if kind == INVOICE else "credit_note_prefix"])

    def seller(self, *, vat_number: str | None) -> dict[str, Any]:
        """The seller as an invoice issued now shows it (``Invoice.issue(seller=...)``), with
        the VAT number the tax settings hold. Refused while the legal name or the address,
        which every invoice must show, is missing."""
        missing = [k for k in ("legal_name", "address") if self.values.get(k) is None]
        if missing:
            raise InvoicingNotSetUpError(
                f"set the store's {' and '.join(m.replace('_', ' ') for m in missing)} in its "
                "invoicing settings first",
                missing=missing,
            )
        snapshot = {k: copy.deepcopy(self.values.get(k)) for k in SELLER_FIELDS}
        return check_seller({**snapshot, "vat_number": vat_number})
