"""Tables of the identity read models.

Personal columns (e-mails, names, phones) hold clear text opened at handling time; they are
NULL once the person is erased. ``sealed`` columns keep the person's latest sealed profile, as
the log has it: unreadable once the key is destroyed, and what tells the projection whether an
erasure still has a key to destroy. The ``*_folded`` columns are ``fold()``ed copies for
case- and accent-insensitive filters on both backends. Personal and folded columns are
unbounded: folding and lower-casing can lengthen text, and a read model must never refuse what
the domain accepted.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)


def define_team_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    users = Table(
        f"users{suffix}",
        metadata,
        Column("user_id", Uuid, primary_key=True),
        Column("email", Text),
        Column("email_folded", Text),
        Column("name", Text),
        Column("name_folded", Text),
        Column("sealed", Text),
        Column("platform_admin", Boolean, nullable=False),
        Column("status", String(16), nullable=False),
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_users{suffix}_created", "created_at", "user_id"),
    )
    members = Table(
        f"team_members{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("user_id", Uuid, primary_key=True),
        Column("role", String(16), nullable=False),
        # Copied from the user's row at the end of each batch (e-mail and name are NULL until
        # the user's registration is applied, when one save was split across two batches).
        Column("email", Text),
        Column("name", Text),
        Column("status", String(16), nullable=False),
        Column("joined_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        # A user's profile, status or erasure updates their rows in every store.
        Index(f"ix_team_members{suffix}_user", "user_id"),
    )
    invitations = Table(
        f"team_invitations{suffix}",
        metadata,
        Column("invitation_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("email", Text),  # NULL once accepted or revoked (its key is shredded)
        Column("sealed_email", Text),
        Column("role", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_team_invitations{suffix}_store", "store_id", "created_at", "invitation_id"),
    )
    api_keys = Table(
        f"api_keys{suffix}",
        metadata,
        Column("key_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("name", String(200), nullable=False),
        Column("role", String(16), nullable=False),
        Column("prefix", String(32), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("revoked_at", DateTime(timezone=True)),
        Index(f"ix_api_keys{suffix}_store", "store_id", "created_at", "key_id"),
    )
    # Team events after ``Formed`` do not carry the store: the team's id is a hash of it.
    teams = Table(
        f"team_teams{suffix}",
        metadata,
        Column("team_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
    )
    # This projection's own copy of the stores' code and name, for ``memberships_of``
    # (joining another projection's tables would break when either is rebuilt).
    stores = Table(
        f"team_stores{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("code", String(32), nullable=False),
        Column("name", String(200), nullable=False),
    )
    return {
        "users": users,
        "team_members": members,
        "team_invitations": invitations,
        "api_keys": api_keys,
        "teams": teams,
        "stores": stores,
    }


def define_customer_tables(metadata: MetaData, suffix: str) -> dict[str, Table]:
    customers = Table(
        f"customers{suffix}",
        metadata,
        Column("customer_id", Uuid, primary_key=True),
        Column("store_id", Uuid, nullable=False),
        Column("email", Text),
        Column("email_folded", Text),
        Column("first_name", Text),
        Column("last_name", Text),
        Column("name_folded", Text),  # fold("first last")
        Column("phone", Text),
        Column("sealed", Text),
        Column("language", String(32), nullable=False),
        Column("marketing_consent", Boolean, nullable=False),
        Column("status", String(16), nullable=False),
        # Filled by the orders read model's events once orders exist.
        Column("order_count", Integer, nullable=False),
        Column("total_spent_minor", BigInteger, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("last_order_at", DateTime(timezone=True)),
        Column("version", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(f"ix_customers{suffix}_store_created", "store_id", "created_at", "customer_id"),
    )
    # The currency of each store, from its registration (a store's currency never changes).
    stores = Table(
        f"customer_stores{suffix}",
        metadata,
        Column("store_id", Uuid, primary_key=True),
        Column("currency", String(3), nullable=False),
    )
    return {"customers": customers, "stores": stores}
