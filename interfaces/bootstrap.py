"""The composition root: the only place that reads settings and builds infrastructure."""

from __future__ import annotations

import gc
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg

from adapters.claims import claims_from_settings
from adapters.documents import SqlDocumentStore
from adapters.follower import Follower, FollowerStatus, ReactionFollower, ReadModelFollower
from adapters.listen import listen_in_background
from adapters.mail import mailer_from_settings
from adapters.pdf import render_invoice
from adapters.pools import bound_event_store_wait, engine_options, event_store_pool_env
from adapters.queue import InlineJobQueue, JobQueue, job_queue_from_settings
from adapters.scheduler import Scheduler
from adapters.vault import SqlPersonalData, one_use
from adapters.vies import ViesClient
from application.cart.app import CartService
from application.catalog.app import CatalogService
from application.identity.accounts import IdentityKit
from application.identity.customers import CustomerService
from application.identity.keys import Keyring, Passwords
from application.identity.mails import IdentityMails, identity_mail_reaction
from application.identity.teams import TeamService
from application.identity.tokens import AccessTokens
from application.identity.users import UserService
from application.inventory.app import InventoryService
from application.inventory.jobs import HoldSweep
from application.invoices.app import InvoiceService
from application.invoices.jobs import InvoiceJobs, invoice_reaction
from application.invoices.pdfs import InvoicePdfs
from application.invoices.settings import InvoicingSettingsService
from application.mail import MailComposer
from application.orders.app import OrderService
from application.orders.checkout import CheckoutService
from application.orders.jobs import PaymentTimeouts
from application.orders.mails import OrderMails, order_mail_reaction
from application.orders.payments import Payments
from application.orders.settings import CommerceSettingsService
from application.platform import CommitListener, OrionApplication, Platform
from application.ports import Clock
from application.reactions import Job
from application.shipping.app import ShippingService
from application.stores.app import StoreService
from application.tax.app import TaxService
from domain.orders.policies import TaxPolicy, ZeroTax
from domain.shared.personal import PersonalData
from interfaces.settings import Settings
from projections.audit.projector import AuditProjection
from projections.base import Projection
from projections.cart.projector import CartsProjection
from projections.catalog.projector import CatalogProjection, StorefrontSearchProjection
from projections.db import make_engine
from projections.identity.projector import identity_projections
from projections.inventory.projector import InventoryProjection
from projections.inventory.queries import list_expired_holds
from projections.invoices.projector import InvoicesProjection
from projections.invoices.queries import list_invoice_ids_of_customer
from projections.orders.numbers import NAME as ORDER_NUMBERS
from projections.orders.projector import order_projections
from projections.orders.queries import get_order_number, list_pending_payment_orders
from projections.read import ReadModels
from projections.shipping.projector import ShippingRatesProjection
from projections.stores.projector import StoresProjection
from projections.tax.projector import CrossBorderSalesProjection
from projections.tax.queries import cross_border_sales
from projections.tracking import POSITIONS_CHANNEL, TableRegistry
from workers.mail import MailKit
from workers.table import JobServices, job_table


def all_projections(personal: PersonalData | None = None) -> list[Projection]:
    """Every read model. Without ``personal`` (tests of the engine alone), the identity read
    models see every sealed value as erased."""
    return [
        *order_projections(personal),
        InventoryProjection(),
        CartsProjection(),
        StoresProjection(),
        ShippingRatesProjection(),
        CrossBorderSalesProjection(),
        CatalogProjection(),
        StorefrontSearchProjection(),
        AuditProjection(),
        InvoicesProjection(),
        *identity_projections(personal),
    ]


def event_store_env(database_url: str) -> dict[str, str]:
    """The ``eventsourcing`` library's environment for the configured database."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    url = urlparse(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_LOCK_TIMEOUT": "5",
        # How long the event store waits for a connection while the process starts (its first
        # one registers the log's types): a database that is busy or starting gets time. Once
        # started, a request waits ORION_DB_POOL_TIMEOUT_SECONDS (``bound_event_store_wait``).
        "POSTGRES_CONNECT_TIMEOUT": str(START_UP_CONNECT_SECONDS),
    }


START_UP_CONNECT_SECONDS = 30


def freeze_start_up_objects() -> None:
    """Take what start-up made (modules, routes, schemas, mappers: some 165,000 objects in the
    API) out of the cyclic collector's sight: they live as long as the process, and each full
    collection walked them all again, a pause of up to 95 ms under load (measured in the
    checkout benchmark) in which no request moved. Called by each long-running process once
    it is set up, and once only: what is frozen is never collected, should it become garbage."""
    gc.collect()
    gc.freeze()


SCHEMA_LOCK_KEY = 0x0_71_0_4E  # an arbitrary, fixed advisory-lock key for schema set-up


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    """A PostgreSQL advisory lock around set-up; SQLite serialises writers by itself."""
    if database_url.startswith("sqlite"):
        yield
        return
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


log = logging.getLogger("orion")


def load_secret(settings: Settings) -> bytes:
    """The platform secret: ``ORION_SECRET_KEY``, or a key file made once (embedded default)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.secret_key_file)
    if not path.exists():
        if not settings.is_sqlite:
            log.warning("ORION_SECRET_KEY is not set: using the key file %s", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created exclusively: two processes starting together cannot write two keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


@dataclass
class Orion:
    """Everything a process needs, built once."""

    settings: Settings
    app: OrionApplication
    platform: Platform
    stores: StoreService
    catalog: CatalogService
    users: UserService
    customers: CustomerService
    teams: TeamService
    kit: IdentityKit
    inventory: InventoryService
    carts: CartService
    shipping: ShippingService
    commerce: CommerceSettingsService
    tax: TaxService
    orders: OrderService
    checkout: CheckoutService
    personal: SqlPersonalData
    invoices: InvoiceService
    invoicing: InvoicingSettingsService
    invoice_pdfs: InvoicePdfs
    documents: SqlDocumentStore
    projections: ReadModelFollower
    read: ReadModels
    reactions: ReactionFollower
    scheduler: Scheduler
    jobs: JobQueue
    # What the jobs need, and every job by its name with those bound: the queues run jobs
    # from this table (the in-process one directly, ``orion worker`` by its RQ job class).
    job_services: JobServices
    job_table: dict[str, Callable[..., Any]]

    def enqueue(self, job: Job) -> None:
        """Queue a job a use case describes (one that must not hold up the answer)."""
        self.jobs.enqueue(job.func, *job.args, job_id=job.job_id, timeout=job.timeout)

    @property
    def clock(self) -> Clock:
        """What time it is for the use cases (a test's clock in tests): routes ask it too."""
        return self.platform.clock

    def head(self) -> int:
        """The position of the last event in the log."""
        return self.platform.head()

    def on_commit(self, listener: CommitListener) -> None:
        """Call ``listener`` after each command this process commits (the API's metrics)."""
        self.platform.listeners.append(listener)

    @property
    def followers(self) -> tuple[Follower, ...]:
        """The log's followers: the read models', and the reactions' (which queue jobs)."""
        return (self.projections, self.reactions)

    def follower_statuses(self) -> list[FollowerStatus]:
        return [status for follower in self.followers for status in follower.statuses()]

    def start_background(self) -> None:
        """Follow the log in this process: read models, and the reactions that queue jobs."""
        self.projections.on_position = self.read.heard
        self.read.announced = True
        self.projections.start()
        self.reactions.start()
        self.scheduler.start()  # periodic jobs (timeouts, expired holds) beside the reactions

    def hear_positions(self, stop: threading.Event) -> None:
        """On PostgreSQL, hear every projection's committed position (wherever it runs), so
        that reads waiting for ``min_position`` wake when it is reached instead of polling."""
        if self.settings.is_sqlite:
            return

        def connected(up: bool) -> None:
            self.read.announced = up

        listen_in_background(
            pg_conninfo(self.settings.direct_url),
            POSITIONS_CHANNEL,
            self.read.heard_payload,
            stop,
            connected,
        )

    def close(self) -> None:
        self.scheduler.stop()
        self.reactions.stop()
        if isinstance(self.jobs, InlineJobQueue):
            self.jobs.close(timeout=5)
        self.reactions.engine.dispose()
        self.projections.stop()
        self.personal.engine.dispose()
        self.projections.engine.dispose()
        self.read.engine.dispose()
        self.app.close()


def pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Orion:
    settings = settings or Settings()
    keyring = Keyring(load_secret(settings))
    # Every pool is sized by the settings (the README gives the total per process).
    pools = engine_options(settings)
    personal = SqlPersonalData(make_engine(settings.database_url, **pools), keyring.kek)
    # The library merges os.environ into its env: keep stray variables from changing the store.
    for key in ("PERSISTENCE_MODULE", "POSTGRES_ENABLE_DB_FUNCTIONS"):
        os.environ.pop(key, None)
    projections = all_projections(personal)
    writer_engine = make_engine(settings.read_url, writer=True, durable=False, **pools)
    reader_engine = make_engine(settings.read_url, **pools)
    # Processes starting together (API, projector, worker) must not race to create tables.
    with schema_lock(settings.direct_url):
        env = event_store_env(settings.database_url)
        if not settings.is_sqlite:
            env.update(event_store_pool_env(settings))
        if settings.aggregate_cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
        app = OrionApplication(env=env)
        bound_event_store_wait(app.recorder, settings)
        registry = TableRegistry(reader_engine, projections)
        engine = ReadModelFollower(
            recorder=app.recorder,
            mapper=app.mapper,
            engine=writer_engine,
            projections=projections,
            registry=registry,
            own_thread=(ORDER_NUMBERS,),  # checkout waits for it
            batch_scope=one_use,  # a batch checks the personal-data keys' erasures once
        )
        engine.setup()
        # Only a process that follows the log uses the writer again: an API process keeps
        # no connection of it open (it reconnects if it ever starts the projections).
        writer_engine.dispose()
        personal.setup()
        # Rendered invoices and logos: beside the read models (through their query engine,
        # one statement per write), not in the log.
        documents = SqlDocumentStore(reader_engine)
        documents.setup()
        # Filled below, once the services the jobs call exist.
        table: dict[str, Callable[..., Any]] = {}
        jobs = job_queue_from_settings(settings, table)
        reactions = ReactionFollower(
            recorder=app.recorder,
            mapper=app.mapper,
            # The event database, not the read models': positions belong with the log.
            engine=make_engine(settings.database_url, writer=True, **pools),
            queue=jobs,
            reactions=[identity_mail_reaction(), order_mail_reaction(), invoice_reaction()],
        )
        # A new reaction starts at the head of the log: under the schema lock.
        reactions.setup()
        reactions.engine.dispose()  # as the writer's: used again only where the log is followed
    platform = Platform(app, clock)
    # A commit in this process wakes the in-process followers at once.
    platform.listeners.append(lambda *_: engine.wake())
    kit = IdentityKit(
        personal=personal,
        keyring=keyring,
        passwords=Passwords(),
        tokens=AccessTokens(keyring.jwt_key, timedelta(minutes=settings.access_token_minutes)),
        refresh_lifetime=timedelta(days=settings.refresh_token_days),
    )
    users = UserService(platform, kit)
    customers = CustomerService(platform, kit)
    teams = TeamService(platform, kit, users)
    platform.listeners.append(lambda *_: reactions.wake())
    composers = MailComposer()
    IdentityMails(users, customers, teams, settings.public_url).register(composers)
    catalog = CatalogService(platform)
    inventory = InventoryService(platform, catalog)
    carts = CartService(platform, inventory, catalog, keyring)
    shipping = ShippingService(platform)
    commerce = CommerceSettingsService(platform)
    payments = Payments()
    orders = OrderService(platform, inventory, personal)
    read = ReadModels(reader_engine, registry, erased=personal.erased)
    # The VAT engine with each store's tax settings, VIES, and the store's distance sales so far
    # from the tax read model.
    tax = TaxService(
        platform,
        ViesClient(settings.vies_url, timeout_seconds=settings.vies_timeout_seconds),
        lambda store_id, year: cross_border_sales(read, store_id, year),
    )
    # ORION_TAX_POLICY=zero, for the checkout benchmark's baseline only: no VAT at all.
    tax_policy: TaxPolicy = ZeroTax() if settings.tax_policy == "zero" else tax
    checkout = CheckoutService(
        platform,
        orders,
        inventory,
        carts,
        shipping,
        commerce,
        personal,
        payments,
        tax_policy,
        catalog=catalog,
    )
    invoices = InvoiceService(platform, orders, personal)
    invoicing = InvoicingSettingsService(platform, documents)
    invoice_pdfs = InvoicePdfs(invoices, documents, render_invoice)
    OrderMails(
        orders, payments, lambda store_id, order_id: get_order_number(read, store_id, order_id)
    ).register(composers)
    job_services = JobServices(
        mail=MailKit(mailer_from_settings(settings), composers, claims_from_settings(settings)),
        accounts={"user": users, "customer": customers},
        payment_timeouts=PaymentTimeouts(
            orders, lambda now: list_pending_payment_orders(read, now)
        ),
        hold_sweep=HoldSweep(inventory, lambda now: list_expired_holds(read, now)),
        invoices=InvoiceJobs(
            invoices,
            invoice_pdfs,
            documents,
            lambda store_id, customer_id: list_invoice_ids_of_customer(read, store_id, customer_id),
        ),
    )
    table.update(job_table(job_services))
    return Orion(
        settings=settings,
        app=app,
        platform=platform,
        stores=StoreService(platform),
        catalog=catalog,
        users=users,
        customers=customers,
        teams=teams,
        kit=kit,
        inventory=inventory,
        carts=carts,
        shipping=shipping,
        commerce=commerce,
        tax=tax,
        orders=orders,
        checkout=checkout,
        personal=personal,
        invoices=invoices,
        invoicing=invoicing,
        invoice_pdfs=invoice_pdfs,
        documents=documents,
        projections=engine,
        read=read,
        reactions=reactions,
        scheduler=Scheduler(jobs),
        jobs=jobs,
        job_services=job_services,
        job_table=table,
    )
