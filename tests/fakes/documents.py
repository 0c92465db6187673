"""An in-memory ``DocumentStore`` and a renderer that draws no PDF: the document it was given,
as JSON bytes (the same document, the same bytes), recording every call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import orjson

from application.invoices.documents import DocumentStore, InvoiceRenderer, StoredDocument


class FakeDocumentStore:
    def __init__(self) -> None:
        self.kept: dict[str, tuple[StoredDocument, UUID]] = {}
        self.puts: list[str] = []
        self.deleted: list[str] = []

    def put(self, key: str, content: bytes, *, media_type: str, store_id: UUID) -> None:
        self.puts.append(key)
        self.kept[key] = (StoredDocument(bytes(content), media_type), store_id)

    def get(self, key: str) -> StoredDocument | None:
        found = self.kept.get(key)
        return found[0] if found else None

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.kept.pop(key, None)


class FakeRenderer:
    """Draws a document as its JSON (sorted keys); ``drawn`` holds each document drawn."""

    def __init__(self) -> None:
        self.drawn: list[dict[str, Any]] = []

    def __call__(self, document: Mapping[str, Any]) -> bytes:
        self.drawn.append(dict(document))
        return b"%FAKE-PDF " + orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


_check_store: DocumentStore = FakeDocumentStore()
_check_renderer: InvoiceRenderer = FakeRenderer()
