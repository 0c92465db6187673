"""The ``DocumentStore`` port over an SQL table: rendered invoice PDFs and invoicing logos, as
bytes by key, in the table ``orion_documents`` of the read models' database.

It is no read model (a rebuild neither reads nor clears it), and nothing in it is the only copy
of anything: a PDF is drawn again from its invoice, to the same bytes, when it is missing, and a
logo is the one the store sent (its key names its content). Each write is one statement, so a
query engine (autocommit on PostgreSQL) serves it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from application.invoices.documents import DocumentStore, StoredDocument

metadata = MetaData()
documents_table = Table(
    "orion_documents",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("store_id", Uuid, nullable=False, index=True),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)


class SqlDocumentStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def setup(self) -> None:
        metadata.create_all(self.engine)

    def put(self, key: str, content: bytes, *, media_type: str, store_id: UUID) -> None:
        values = {
            "key": key,
            "store_id": store_id,
            "media_type": media_type,
            "size": len(content),
            "content": content,
            "stored_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = upsert(documents_table).values(**values)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("store_id", "media_type", "size", "content", "stored_at")
                    },
                )
            )

    def get(self, key: str) -> StoredDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(documents_table.c.content, documents_table.c.media_type).where(
                    documents_table.c.key == key
                )
            ).first()
        return None if row is None else StoredDocument(bytes(row.content), row.media_type)

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(documents_table).where(documents_table.c.key == key))


_check: type[DocumentStore] = SqlDocumentStore
