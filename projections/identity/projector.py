"""Identity read models: platform users and store teams ("team"), storefront customers
("customers").

Personal data arrives sealed; handlers open it with the person's key at handling time. Once the
key is destroyed, opening gives None and the columns stay NULL: a rebuild after an erasure
finds nothing to show. ``Erased`` blanks the person's columns itself (a key may linger in a
cache) and destroys the key if it still opens, which finishes an erasure that stopped between
its event and the key's destruction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Column, MetaData, Table, Uuid, select, update

from domain.identity.aggregates import ACTIVE, DISABLED, ERASED, ApiKey, Customer, Team, User
from domain.orders.aggregates import Order
from domain.shared.personal import PersonalData
from domain.shared.topics import topics_of
from domain.stores.aggregates import Store
from projections.base import EventEnvelope, Projection
from projections.identity.tables import define_customer_tables, define_team_tables
from projections.text import fold
from projections.writer import Writer

Handler = Callable[[Any, Writer], None]


class NullPersonalData:
    """For processes that never see personal data (an old test's projections): every sealed
    value reads as erased."""

    def seal(self, subject: UUID, data: dict[str, Any]) -> str:
        raise RuntimeError("no personal-data keys in this process")

    def open(self, subject: UUID, sealed: str | None) -> dict[str, Any] | None:
        return None

    def destroy(self, subject: UUID) -> None:
        return None

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        return None


class _Shredder:
    """Destroys the keys of people erased in a batch whose key still opens.

    On PostgreSQL the keys are destroyed before the batch commits (a failure retries the
    batch). On SQLite the batch holds the database's only write lock until it commits, and the
    key table is written through another connection: the destruction runs on a thread that
    takes the lock right after the commit.
    """

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def still_opens(self, subject: UUID, sealed: str | None) -> bool:
        return sealed is not None and self.personal.open(subject, sealed) is not None

    def destroy(self, w: Writer, subjects: Sequence[UUID]) -> None:
        if not subjects:
            return
        if w.conn.dialect.name != "sqlite":
            for subject in subjects:
                self.personal.destroy(subject)
            return
        thread = threading.Thread(
            target=self._destroy_all, args=(list(subjects),), name="orion-shred", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _destroy_all(self, subjects: list[UUID]) -> None:
        for subject in subjects:
            self.personal.destroy(subject)

    def drain(self, timeout: float = 60.0) -> None:
        """Wait for the destructions started so far (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)


def _common(e: Any) -> dict[str, Any]:
    return {"version": e.originator_version, "updated_at": e.timestamp}


def _folded(text: str | None) -> str | None:
    return fold(text) if text else None


def _shred_later(w: Writer, subject: UUID) -> None:
    w.scratch.setdefault("shred", []).append(subject)


# -- team: users, members, invitations, API keys ------------------------------------------------

USER_VERSION_ONLY = (User.PasswordChanged, User.PasswordReset, User.PasswordResetRequested)
TEAM_EVENTS = (
    Team.Formed,
    Team.InvitationSent,
    Team.InvitationAccepted,
    Team.InvitationRevoked,
    Team.RoleChanged,
    Team.MemberRemoved,
)


class TeamProjection(Projection):
    name = "team"
    topics = topics_of(
        Store.Registered,
        Store.DetailsChanged,
        User.Registered,
        User.ProfileChanged,
        User.PlatformAdminChanged,
        User.Disabled,
        User.Enabled,
        User.Erased,
        *USER_VERSION_ONLY,  # they move the user's version, which clients send as If-Match
        *TEAM_EVENTS,
        ApiKey.Created,
        ApiKey.Revoked,
    )

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self.shredder = _Shredder(personal)
        handlers: dict[type, Handler] = {
            Store.Registered: self._store_registered,
            Store.DetailsChanged: self._store_changed,
            User.Registered: self._user_registered,
            User.ProfileChanged: self._user_profile,
            User.PlatformAdminChanged: self._platform_admin,
            User.Disabled: self._user_status(DISABLED),
            User.Enabled: self._user_status(ACTIVE),
            User.Erased: self._user_erased,
            Team.Formed: self._team_formed,
            Team.InvitationSent: self._invitation_sent,
            Team.InvitationAccepted: self._invitation_accepted,
            Team.InvitationRevoked: self._invitation_revoked,
            Team.RoleChanged: self._role_changed,
            Team.MemberRemoved: self._member_removed,
            ApiKey.Created: self._key_created,
            ApiKey.Revoked: self._key_revoked,
        }
        for cls in USER_VERSION_ONLY:
            handlers[cls] = self._user_version
        self.handlers = handlers

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        return define_team_tables(metadata, suffix)

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        w.prefetch("teams", {e.originator_id for e in events if isinstance(e, TEAM_EVENTS[1:])})
        # Erasures read the sealed profile; a new member takes their user's status.
        w.prefetch(
            "users",
            {e.originator_id for e in events if isinstance(e, User.Erased)}
            | {e.user_id for e in events if isinstance(e, Team.InvitationAccepted)},
            columns=["sealed", "status"],
        )
        w.prefetch(
            "team_invitations",
            {
                e.invitation_id
                for e in events
                if isinstance(e, Team.InvitationAccepted | Team.InvitationRevoked)
            },
            columns=["sealed_email"],
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        self.handlers[type(envelope.event)](envelope.event, w)

    def finish(self, w: Writer) -> None:
        self.shredder.destroy(w, w.scratch.get("shred", []))
        touched: set[UUID] = w.scratch.get("users", set())
        if not touched:
            return
        # Members carry their user's e-mail, name and status: write the batch, then copy them
        # from the users to every store's member rows in one statement per 500 users.
        w.flush()
        users, members = w.tables["users"], w.tables["team_members"]

        def of_user(column: Any) -> Any:
            return select(column).where(users.c.user_id == members.c.user_id).scalar_subquery()

        # A member whose user is registered by a later batch keeps its row until then.
        user_exists = select(users.c.user_id).where(users.c.user_id == members.c.user_id).exists()
        ordered = sorted(touched)
        for i in range(0, len(ordered), 500):
            w.conn.execute(
                update(members)
                .where(members.c.user_id.in_(ordered[i : i + 500]), user_exists)
                .values(
                    email=of_user(users.c.email),
                    name=of_user(users.c.name),
                    status=of_user(users.c.status),
                )
            )

    # -- stores (code and name, for a user's memberships) --------------------------------------

    def _store_registered(self, e: Store.Registered, w: Writer) -> None:
        w.insert("stores", {"store_id": e.originator_id, "code": e.code, "name": e.name})

    def _store_changed(self, e: Store.DetailsChanged, w: Writer) -> None:
        w.patch("stores", e.originator_id, name=e.name)

    # -- users ---------------------------------------------------------------------------------

    def _profile(self, user_id: UUID, sealed: str) -> dict[str, Any]:
        opened = self.personal.open(user_id, sealed) or {}
        email, name = opened.get("email"), opened.get("name")
        return {
            "email": email,
            "email_folded": _folded(email),
            "name": name,
            "name_folded": _folded(name),
            "sealed": sealed,
        }

    def _touch(self, w: Writer, user_id: UUID) -> None:
        w.scratch.setdefault("users", set()).add(user_id)

    def _user_registered(self, e: User.Registered, w: Writer) -> None:
        w.insert(
            "users",
            {
                "user_id": e.originator_id,
                **self._profile(e.originator_id, e.sealed),
                "platform_admin": e.platform_admin,
                "status": ACTIVE,
                "created_at": e.timestamp,
                **_common(e),
            },
        )
        self._touch(w, e.originator_id)

    def _user_profile(self, e: User.ProfileChanged, w: Writer) -> None:
        w.patch("users", e.originator_id, **self._profile(e.originator_id, e.sealed), **_common(e))
        self._touch(w, e.originator_id)

    def _platform_admin(self, e: User.PlatformAdminChanged, w: Writer) -> None:
        w.patch("users", e.originator_id, platform_admin=e.platform_admin, **_common(e))

    def _user_status(self, status: str) -> Handler:
        def handle(e: Any, w: Writer) -> None:
            w.patch("users", e.originator_id, status=status, **_common(e))
            self._touch(w, e.originator_id)

        return handle

    def _user_version(self, e: Any, w: Writer) -> None:
        w.patch("users", e.originator_id, **_common(e))

    def _user_erased(self, e: User.Erased, w: Writer) -> None:
        row = w.get("users", e.originator_id)
        if row is not None and self.shredder.still_opens(e.originator_id, row["sealed"]):
            _shred_later(w, e.originator_id)
        w.patch(
            "users",
            e.originator_id,
            email=None,
            email_folded=None,
            name=None,
            name_folded=None,
            sealed=None,
            status=ERASED,
            **_common(e),
        )
        self._touch(w, e.originator_id)

    # -- teams ---------------------------------------------------------------------------------

    def _store_of(self, w: Writer, team: UUID) -> UUID:
        row = w.get("teams", team)
        if row is None:
            raise LookupError(f"team {team} has no Formed event before its other events")
        store_id: UUID = row["store_id"]
        return store_id

    def _team_formed(self, e: Team.Formed, w: Writer) -> None:
        w.insert("teams", {"team_id": e.originator_id, "store_id": e.store_id})

    def _invitation_sent(self, e: Team.InvitationSent, w: Writer) -> None:
        opened = self.personal.open(e.invitation_id, e.sealed_email)
        w.insert(
            "team_invitations",
            {
                "invitation_id": e.invitation_id,
                "store_id": self._store_of(w, e.originator_id),
                "email": opened.get("email") if opened else None,
                "sealed_email": e.sealed_email,
                "role": e.role,
                "status": "pending",
                "expires_at": e.expires_at,
                "created_at": e.timestamp,
                "updated_at": e.timestamp,
            },
        )

    def _close_invitation(self, e: Any, w: Writer, status: str) -> None:
        # The invitation's key is shredded once it is accepted (the address lives on in the
        # member's profile) or revoked (also when a new invitation supersedes it).
        row = w.get("team_invitations", e.invitation_id)
        if row is not None and self.shredder.still_opens(e.invitation_id, row["sealed_email"]):
            _shred_later(w, e.invitation_id)
        w.patch(
            "team_invitations",
            e.invitation_id,
            email=None,
            sealed_email=None,
            status=status,
            updated_at=e.timestamp,
        )

    def _invitation_accepted(self, e: Team.InvitationAccepted, w: Writer) -> None:
        self._close_invitation(e, w, "accepted")
        user = w.get("users", e.user_id)
        w.put(
            "team_members",
            {
                "store_id": self._store_of(w, e.originator_id),
                "user_id": e.user_id,
                "role": e.role,
                # Copied from the user's row in ``finish``; a user who accepts is active (a
                # new one may be registered by the same save, in the next batch).
                "email": None,
                "name": None,
                "status": user["status"] if user else ACTIVE,
                "joined_at": e.timestamp,
                "updated_at": e.timestamp,
            },
        )
        self._touch(w, e.user_id)

    def _invitation_revoked(self, e: Team.InvitationRevoked, w: Writer) -> None:
        self._close_invitation(e, w, "revoked")

    def _role_changed(self, e: Team.RoleChanged, w: Writer) -> None:
        key = (self._store_of(w, e.originator_id), e.user_id)
        w.patch("team_members", key, role=e.role, updated_at=e.timestamp)

    def _member_removed(self, e: Team.MemberRemoved, w: Writer) -> None:
        w.delete("team_members", (self._store_of(w, e.originator_id), e.user_id))

    # -- API keys ------------------------------------------------------------------------------

    def _key_created(self, e: ApiKey.Created, w: Writer) -> None:
        w.insert(
            "api_keys",
            {
                "key_id": e.originator_id,
                "store_id": e.store_id,
                "name": e.name,
                "role": e.role,
                "prefix": e.prefix,
                "created_at": e.timestamp,
                "revoked_at": None,
            },
        )

    def _key_revoked(self, e: ApiKey.Revoked, w: Writer) -> None:
        w.patch("api_keys", e.originator_id, revoked_at=e.timestamp)


# -- customers --------------------------------------------------------------------------------

CUSTOMER_VERSION_ONLY = (
    Customer.PasswordChanged,
    Customer.PasswordReset,
    Customer.PasswordResetRequested,
    Customer.AddressAdded,
    Customer.AddressChanged,
    Customer.AddressRemoved,
    Customer.DefaultAddressChanged,
)


class CustomersProjection(Projection):
    """Customers, with their order stats: ``order_count`` counts every order they placed
    (cancelled ones too), ``last_order_at`` is when they placed the latest, and
    ``total_spent_minor`` is the sum of their orders' net values, as the dashboard's revenue
    counts them: an order's total less every refund recorded on it, and nothing once it is
    cancelled (``customer_orders`` keeps what each order still counts for)."""

    name = "customers"
    topics = topics_of(
        Order.Placed,
        Order.Cancelled,
        Order.Refunded,
        Store.Registered,
        Customer.Registered,
        Customer.ProfileChanged,
        Customer.PreferencesChanged,
        Customer.Disabled,
        Customer.Enabled,
        Customer.Erased,
        *CUSTOMER_VERSION_ONLY,  # they move the customer's version (If-Match)
    )

    def __init__(self, personal: PersonalData) -> None:
        self.personal = personal
        self.shredder = _Shredder(personal)
        handlers: dict[type, Handler] = {
            Store.Registered: self._store_registered,
            Customer.Registered: self._registered,
            Customer.ProfileChanged: self._profile_changed,
            Customer.PreferencesChanged: self._preferences,
            Customer.Disabled: self._status(DISABLED),
            Customer.Enabled: self._status(ACTIVE),
            Customer.Erased: self._erased,
            Order.Placed: self._order_placed,
            Order.Cancelled: self._order_cancelled,
            Order.Refunded: self._order_refunded,
        }
        for cls in CUSTOMER_VERSION_ONLY:
            handlers[cls] = self._version
        self.handlers = handlers

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        tables = define_customer_tables(metadata, suffix)
        # What each customer order still adds to ``total_spent_minor`` (guests' are not kept).
        tables["customer_orders"] = Table(
            f"customer_orders{suffix}",
            metadata,
            Column("order_id", Uuid, primary_key=True),
            Column("customer_id", Uuid, nullable=False),
            Column("counted", BigInteger, nullable=False),
        )
        return tables

    def prefetch(self, envelopes: Sequence[EventEnvelope], w: Writer) -> None:
        events = [e.event for e in envelopes]
        # Customer events with a profile (the only ones here that carry ``sealed``).
        self.personal.prefetch(e.originator_id for e in events if getattr(e, "sealed", None))
        w.prefetch("stores", {e.store_id for e in events if isinstance(e, Customer.Registered)})
        # Whole rows first: an order's stats read them; an erasure only needs ``sealed``.
        w.prefetch(
            "customers",
            {e.customer_id for e in events if isinstance(e, Order.Placed) and e.customer_id},
        )
        w.prefetch(
            "customers",
            {e.originator_id for e in events if isinstance(e, Customer.Erased)},
            columns=["sealed"],
        )
        w.prefetch(
            "customer_orders",
            {e.originator_id for e in events if isinstance(e, Order.Cancelled | Order.Refunded)},
        )

    def handle(self, envelope: EventEnvelope, w: Writer) -> None:
        self.handlers[type(envelope.event)](envelope.event, w)

    def finish(self, w: Writer) -> None:
        self.shredder.destroy(w, w.scratch.get("shred", []))

    def _store_registered(self, e: Store.Registered, w: Writer) -> None:
        w.insert("stores", {"store_id": e.originator_id, "currency": e.currency})

    def _profile(self, customer_id: UUID, sealed: str) -> dict[str, Any]:
        opened = self.personal.open(customer_id, sealed) or {}
        first, last = opened.get("first_name"), opened.get("last_name")
        email = opened.get("email")
        return {
            "email": email,
            "email_folded": _folded(email),
            "first_name": first,
            "last_name": last,
            "name_folded": _folded(" ".join(n for n in (first, last) if n)),
            "phone": opened.get("phone"),
            "sealed": sealed,
        }

    def _registered(self, e: Customer.Registered, w: Writer) -> None:
        store = w.get("stores", e.store_id)
        if store is None:
            raise LookupError(f"customer {e.originator_id}'s store {e.store_id} is unknown")
        w.insert(
            "customers",
            {
                "customer_id": e.originator_id,
                "store_id": e.store_id,
                **self._profile(e.originator_id, e.sealed),
                "language": e.language,
                "marketing_consent": e.marketing_consent,
                "status": ACTIVE,
                "order_count": 0,
                "total_spent_minor": 0,
                "currency": store["currency"],
                "last_order_at": None,
                "created_at": e.timestamp,
                **_common(e),
            },
        )

    def _profile_changed(self, e: Customer.ProfileChanged, w: Writer) -> None:
        w.patch(
            "customers", e.originator_id, **self._profile(e.originator_id, e.sealed), **_common(e)
        )

    def _preferences(self, e: Customer.PreferencesChanged, w: Writer) -> None:
        w.patch(
            "customers",
            e.originator_id,
            language=e.language,
            marketing_consent=e.marketing_consent,
            **_common(e),
        )

    def _status(self, status: str) -> Handler:
        def handle(e: Any, w: Writer) -> None:
            w.patch("customers", e.originator_id, status=status, **_common(e))

        return handle

    def _version(self, e: Any, w: Writer) -> None:
        w.patch("customers", e.originator_id, **_common(e))

    def _erased(self, e: Customer.Erased, w: Writer) -> None:
        row = w.get("customers", e.originator_id)
        if row is not None and self.shredder.still_opens(e.originator_id, row["sealed"]):
            _shred_later(w, e.originator_id)
        w.patch(
            "customers",
            e.originator_id,
            email=None,
            email_folded=None,
            first_name=None,
            last_name=None,
            name_folded=None,
            phone=None,
            sealed=None,
            status=ERASED,
            **_common(e),
        )

    # -- order stats -----------------------------------------------------------------------------

    def _spent(self, w: Writer, customer_id: UUID, delta: int, **values: Any) -> None:
        row = w.get("customers", customer_id)
        if row is None:
            return  # a customer erased and gone from the read model keeps no stats
        w.patch(
            "customers",
            customer_id,
            total_spent_minor=int(row["total_spent_minor"]) + delta,
            **values,
        )

    def _order_placed(self, e: Order.Placed, w: Writer) -> None:
        if e.customer_id is None:
            return
        total = int(e.totals["total"])
        w.insert(
            "customer_orders",
            {"order_id": e.originator_id, "customer_id": e.customer_id, "counted": total},
        )
        row = w.get("customers", e.customer_id)
        if row is None:
            return
        last = row["last_order_at"]
        self._spent(
            w,
            e.customer_id,
            total,
            order_count=int(row["order_count"]) + 1,
            last_order_at=e.timestamp if last is None or _aware(last) < e.timestamp else last,
        )

    def _order_cancelled(self, e: Order.Cancelled, w: Writer) -> None:
        counted = w.get("customer_orders", e.originator_id)
        if counted is None:
            return  # a guest's order
        w.patch("customer_orders", e.originator_id, counted=0)
        self._spent(w, counted["customer_id"], -int(counted["counted"]))

    def _order_refunded(self, e: Order.Refunded, w: Writer) -> None:
        counted = w.get("customer_orders", e.originator_id)
        if counted is None:
            return
        taken = min(int(e.amount), int(counted["counted"]))
        w.patch("customer_orders", e.originator_id, counted=int(counted["counted"]) - taken)
        self._spent(w, counted["customer_id"], -taken)


def _aware(value: Any) -> Any:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def identity_projections(personal: PersonalData | None) -> list[Projection]:
    """Both identity read models; without a ``PersonalData``, every sealed value reads as
    erased."""
    port: PersonalData = personal if personal is not None else NullPersonalData()
    return [TeamProjection(port), CustomersProjection(port)]
