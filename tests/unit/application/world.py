"""Every service of the application, wired as the composition root wires them, on the
in-memory event store, with a fake for every port (``tests/fakes``): the world that rule tests
run in, in milliseconds. Services are built here and nowhere else; tests call them through
their public methods, as routes and jobs do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.audit.app import AuditService
from application.cart.app import CartRef, CartService
from application.catalog.app import CatalogService
from application.context import CommandContext
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
from application.mail import MailComposer, MailMessage
from application.orders.app import OrderService
from application.orders.checkout import CheckoutDetails, CheckoutService, Placed
from application.orders.jobs import PaymentTimeouts
from application.orders.mails import OrderMails, order_mail_reaction
from application.orders.payments import Payments
from application.orders.settings import CommerceSettingsService
from application.platform import OrionApplication, Platform
from application.reactions import Job, Reaction, gather_mails
from application.shipping.app import ShippingService
from application.stores.app import StoreService
from application.tax.app import TaxService
from tests.fakes.claims import FakeClaims
from tests.fakes.clock import TickingClock
from tests.fakes.documents import FakeDocumentStore, FakeRenderer
from tests.fakes.mail import FakeMailer
from tests.fakes.payments import FakePaymentProvider
from tests.fakes.personal import FakePersonalData
from tests.fakes.queue import FakeJobQueue
from tests.fakes.reads import LogReads
from tests.fakes.tax import FlatTax
from tests.fakes.vies import RegistryInMemory
from workers.mail import MailKit
from workers.table import JobServices, job_table

SECRET = b"the in-memory world's secret key"
PUBLIC_URL = "https://orion.test"
PASSWORD = "correct horse battery"
# Argon2 at its cheapest: the rules are the same, and a test hashes in microseconds.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "12 Rue des Tilleuls",
    "city": "Luxembourg",
    "postal_code": "L-1234",
    "country": "LU",
}


def in_memory() -> OrionApplication:
    return OrionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@dataclass
class World:
    app: OrionApplication = field(default_factory=in_memory)
    clock: TickingClock = field(default_factory=TickingClock)
    ctx: CommandContext = field(default_factory=lambda: CommandContext(actor="admin:test"))
    personal: FakePersonalData = field(default_factory=FakePersonalData)
    mailer: FakeMailer = field(default_factory=FakeMailer)
    jobs: FakeJobQueue = field(default_factory=FakeJobQueue)
    tax: FlatTax = field(default_factory=FlatTax)
    vies: RegistryInMemory = field(default_factory=RegistryInMemory)
    documents: FakeDocumentStore = field(default_factory=FakeDocumentStore)
    renderer: FakeRenderer = field(default_factory=FakeRenderer)
    payments: list[FakePaymentProvider] = field(
        default_factory=lambda: [
            FakePaymentProvider("manual"),
            FakePaymentProvider("cash_on_delivery"),
        ]
    )

    def __post_init__(self) -> None:
        platform = self.platform = Platform(self.app, self.clock)
        self.keyring = Keyring(SECRET)
        self.kit = IdentityKit(
            personal=self.personal,
            keyring=self.keyring,
            passwords=Passwords(**CHEAP_ARGON2),
            tokens=AccessTokens(self.keyring.jwt_key, timedelta(minutes=15)),
            refresh_lifetime=timedelta(days=30),
        )
        self.stores = StoreService(platform)
        self.catalog = CatalogService(platform)
        self.users = UserService(platform, self.kit)
        self.customers = CustomerService(platform, self.kit)
        self.teams = TeamService(platform, self.kit, self.users)
        self.inventory = InventoryService(platform, self.catalog)
        self.carts = CartService(platform, self.inventory, self.catalog, self.keyring)
        self.shipping = ShippingService(platform)
        self.commerce = CommerceSettingsService(platform)
        self.payment_methods = Payments(list(self.payments))
        self.orders = OrderService(platform, self.inventory, self.personal)
        self.checkout = CheckoutService(
            platform,
            self.orders,
            self.inventory,
            self.carts,
            self.shipping,
            self.commerce,
            self.personal,
            self.payment_methods,
            tax=self.tax,
            catalog=self.catalog,
        )
        self.invoices = InvoiceService(platform, self.orders, self.personal)
        self.invoicing = InvoicingSettingsService(platform, self.documents)
        self.invoice_pdfs = InvoicePdfs(self.invoices, self.documents, self.renderer)
        self.audit = AuditService(self.app)
        # The read models' lookups, the mails and the jobs, as bootstrap wires them.
        self.reads = LogReads(self.app)
        # The VAT engine as bootstrap wires it (VIES in memory, the cross-border figure from
        # the log). Checkout is taxed by ``tax`` (FlatTax) unless a test sets
        # ``world.checkout.tax = world.vat``.
        self.vat = TaxService(platform, self.vies, self.reads.cross_border_sales)
        self.composers = MailComposer()
        IdentityMails(self.users, self.customers, self.teams, PUBLIC_URL).register(self.composers)
        OrderMails(self.orders, self.payment_methods, self.reads.order_number).register(
            self.composers
        )
        self.reactions: list[Reaction] = [
            identity_mail_reaction(),
            order_mail_reaction(),
            invoice_reaction(),
        ]
        self.hold_sweep = HoldSweep(self.inventory, self.reads.expired_holds)
        self.payment_timeouts = PaymentTimeouts(self.orders, self.reads.pending_orders)
        self.claims = FakeClaims()
        self.job_table = job_table(
            JobServices(
                mail=MailKit(self.mailer, self.composers, self.claims),
                accounts={"user": self.users, "customer": self.customers},
                payment_timeouts=self.payment_timeouts,
                hold_sweep=self.hold_sweep,
                invoices=InvoiceJobs(
                    self.invoices,
                    self.invoice_pdfs,
                    self.documents,
                    self.reads.customer_invoices,
                ),
            )
        )
        self._followed = platform.head()  # reactions start at the head of the log
        self._checkouts = 0

    # -- jobs and mails, as the reaction runner and a worker run them -------------------------

    def enqueue(self, job: Job) -> None:
        """A job a use case describes, queued as ``Orion.enqueue`` queues it."""
        self.jobs.enqueue(job.func, *job.args, job_id=job.job_id, timeout=job.timeout)

    def deliver(self) -> list[MailMessage]:
        """Follows the log since the last call (each reaction's jobs queued, with the runner's
        job ids, mails gathered), then runs the queued jobs from the job table, until nothing
        is left to do. Returns the mails sent; a job that fails stays queued and its error is
        raised."""
        sent = len(self.mailer.sent)
        while self._follow() or self.jobs.queued:
            self._work()
        return self.mailer.sent[sent:]

    def _follow(self) -> int:
        head = self.platform.head()
        notifications = self.app.recorder.select_notifications(
            start=self._followed + 1, limit=1_000_000, stop=head
        )
        for reaction in self.reactions:
            jobs: list[Job] = []
            for notification in notifications:
                if reaction.topics and notification.topic not in reaction.topics:
                    continue
                event = self.app.mapper.to_domain_event(notification)
                for i, job in enumerate(reaction.react(notification.id, event)):
                    name = job.job_id or f"{reaction.name}-{notification.id}-{i}"
                    jobs.append(Job(job.func, job.args, name, job.timeout))
            for job in gather_mails(jobs):
                self.enqueue(job)
        self._followed = head
        return len(notifications)

    def _work(self) -> None:
        """Runs the queued jobs from the job table, as a worker does."""
        taken = self.jobs.take()
        for done, job in enumerate(taken):
            try:
                self.job_table[job.func](*job.args)
            except Exception:
                self.jobs.queued[:0] = taken[done:]  # retried later, as the queues do
                raise

    # -- a shop, its products, carts and orders -----------------------------------------------

    def new_store(self, code: str = "shop", *, country: str = "LU") -> UUID:
        result = self.stores.register(
            self.ctx, code=code, name="Shop", country=country, currency="EUR", locale="en"
        )
        return result.id

    def new_product(self, store_id: UUID, *skus: str, amount: int = 1999) -> UUID:
        result = self.catalog.create_product(
            self.ctx, store_id, title="A product", variants=[variant(s, amount) for s in skus]
        )
        return result.id

    def on_sale(
        self, store_id: UUID, sku: str, *, amount: int = 1000, stock: int = 10, **attributes: str
    ) -> UUID:
        """A published product of one variant, with ``stock`` units at the default location."""
        made = self.catalog.create_product(
            self.ctx,
            store_id,
            title=f"Product {sku}",
            variants=[variant(sku, amount, **attributes)],
        )
        self.catalog.publish(self.ctx, store_id, made.id)
        if stock:
            self.inventory.receive(self.ctx, store_id, sku=sku, quantity=stock)
        return made.id

    def flat_rate(self, store_id: UUID, amount: int = 490, *countries: str) -> UUID:
        spec = {"name": "Post", "kind": "flat", "amount": amount, "countries": list(countries)}
        _, rate_id = self.shipping.set_rate(self.ctx, store_id, spec=spec)
        return rate_id

    def guest_cart(self, store_id: UUID, lines: dict[str, int]) -> CartRef:
        ref = CartRef()
        for sku, quantity in lines.items():
            added = self.carts.add(SHOPPER, store_id, ref, sku=sku, quantity=quantity)
            ref = CartRef(cart_id=added.id)
        return ref

    def check_out(
        self,
        store_id: UUID,
        ref: CartRef,
        rate_id: UUID,
        *,
        key: str | None = None,
        customer_id: UUID | None = None,
        **details: Any,
    ) -> Placed:
        """A checkout with a guest's e-mail and address unless ``details`` say otherwise."""
        chosen: dict[str, Any] = {"payment_method": "manual", **details}
        if customer_id is None:
            chosen.setdefault("email", "guest@example.org")
        if not {"shipping_address", "shipping_address_id"} & chosen.keys() and not customer_id:
            chosen["shipping_address"] = dict(ADDRESS)
        self._checkouts += 1
        ctx = CommandContext(actor="shopper:test", idempotency_key=key or f"co-{self._checkouts}")
        return self.checkout.place(
            ctx,
            store_id,
            ref,
            CheckoutDetails(shipping_rate_id=rate_id, **chosen),
            customer_id=customer_id,
        )

    def register_customer(self, store_id: UUID, email: str = "ada@example.org") -> UUID:
        session = self.customers.register(
            SHOPPER, store_id, email=email, password=PASSWORD, first_name="Ada"
        )
        return session.account_id


SHOPPER = CommandContext(actor="anonymous:-")


def variant(sku: str, amount: int = 1999, **attributes: str) -> dict[str, Any]:
    return {"sku": sku, "price": {"amount": amount, "currency": "EUR"}, "attributes": attributes}
