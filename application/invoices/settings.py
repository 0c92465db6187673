"""A store's invoicing settings: who the seller is on its invoices, payment terms, footer, logo,
language, number prefixes, and whether an invoice is issued when an order is paid.

The logo's bytes are kept in the document store under a key that names their content; the
settings (and so every invoice issued after) keep the key. A small PNG or JPEG only: it is
checked by decoding it (Pillow, which WeasyPrint installs), or by its signature when Pillow
is missing.
"""

from __future__ import annotations

import copy
import io
from datetime import datetime
from typing import Any
from uuid import UUID

from application.context import CommandContext
from application.invoices.documents import DocumentStore, StoredDocument, logo_key
from application.platform import CommandResult, Decision, Platform
from domain.invoices.aggregates import InvoicingSettings
from domain.invoices.values import DEFAULTS
from domain.shared.errors import PreconditionFailedError, ValidationError
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError

MAX_LOGO_BYTES = 200_000
MAX_LOGO_SIDE = 4000  # pixels
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_media_type(content: bytes) -> str:
    """The media type of a logo: a PNG or JPEG image of at most ``MAX_LOGO_BYTES``."""
    if not content:
        raise ValidationError("logo", "is empty")
    if len(content) > MAX_LOGO_BYTES:
        raise ValidationError("logo", f"must be at most {MAX_LOGO_BYTES // 1000} kB")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - WeasyPrint depends on Pillow
        return _by_signature(content)
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except Exception:  # Pillow's refusals have many types: any is "not an image"
        raise ValidationError("logo", "is not a PNG or JPEG image") from None
    if kind not in LOGO_TYPES:
        raise ValidationError("logo", f"must be a PNG or JPEG image, not {kind}")
    if max(width, height) > MAX_LOGO_SIDE:
        raise ValidationError("logo", f"must be at most {MAX_LOGO_SIDE} pixels on a side")
    return LOGO_TYPES[kind]


def _by_signature(content: bytes) -> str:
    for signature, media_type in _SIGNATURES.items():
        if content.startswith(signature):
            return media_type
    raise ValidationError("logo", "is not a PNG or JPEG image")


class InvoicingSettingsService:
    def __init__(self, platform: Platform, documents: DocumentStore) -> None:
        self.platform = platform
        self.documents = documents

    def _store(self, store_id: UUID) -> Store:
        store = self.platform.find(Store, store_id)
        if store is None:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return store

    def settings(self, store_id: UUID) -> tuple[dict[str, Any], int]:
        """The settings (the defaults while none was ever set) and their version (0: none)."""
        self._store(store_id)
        found = self.platform.find(InvoicingSettings, InvoicingSettings.id_for(store_id))
        if found is None:
            return copy.deepcopy(DEFAULTS), 0
        return copy.deepcopy(found.values), found.version

    def logo(self, store_id: UUID) -> StoredDocument | None:
        values, _ = self.settings(store_id)
        return self.documents.get(values["logo"]) if values.get("logo") else None

    def change_settings(
        self,
        ctx: CommandContext,
        store_id: UUID,
        values: dict[str, Any],
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Changes the settings ``values`` names (None clears an optional one). A ``logo`` is
        given as its bytes: it is checked, kept, and the settings keep its key."""
        values = dict(values)
        logo = values.get("logo")
        if isinstance(logo, bytes):
            media_type = logo_media_type(logo)
            self._store(store_id)
            # Kept before the command: a refused command leaves an unused logo behind, never
            # settings that name a logo that is not there.
            key = logo_key(store_id, logo)
            self.documents.put(key, logo, media_type=media_type, store_id=store_id)
            values["logo"] = key

        def decide(at: datetime) -> Decision:
            self._store(store_id)
            found = self.platform.find(InvoicingSettings, InvoicingSettings.id_for(store_id))
            current = found.version if found else 0
            if expected_version is not None and expected_version != current:
                raise PreconditionFailedError(
                    f"If-Match version {expected_version} is stale; the current version is "
                    f"{current}",
                    current_version=current,
                )
            settings = found or InvoicingSettings.create(store_id=store_id, at=at)
            settings.change(values=values, at=at)
            return Decision(settings)

        return self.platform.execute(ctx.for_store(store_id), "ChangeInvoicingSettings", decide)
