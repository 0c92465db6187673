"""Storefront customers: accounts scoped to one store, their profile and addresses, the
store's view of them, the right of access (export) and erasure (crypto-shredding)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.identity.accounts import AccountService, IssuedSession
from application.platform import CommandResult, Decision, check_version
from domain.identity.aggregates import ERASED, Customer, EmailClaim
from domain.identity.errors import AccountNotFoundError, EmailTakenError
from domain.identity.values import (
    Address,
    check_language,
    check_password,
    check_person_name,
    check_phone,
    normalise_email,
)
from domain.shared.ids import email_claim_id
from domain.stores.aggregates import Store
from domain.stores.errors import StoreNotFoundError

PROFILE_FIELDS = ("first_name", "last_name", "phone")


def scope_of(store_id: UUID) -> str:
    return str(store_id)


class CustomerService(AccountService[Customer]):
    kind = "customer"
    cls = Customer

    def get(self, store_id: UUID, customer_id: UUID) -> Customer:
        """A customer of this store; another store's customer is not found (404)."""
        customer = self.find(customer_id)
        if customer is None or customer.store_id != store_id:
            raise AccountNotFoundError(f"no customer {customer_id}", customer_id=str(customer_id))
        return customer

    def claim_scope(self, account: Customer) -> str:
        return scope_of(account.store_id)

    def _store(self, store_id: UUID) -> Store:
        store = self.platform.find(Store, store_id)
        if store is None or not store.is_active:
            raise StoreNotFoundError(f"no store {store_id}", store_id=str(store_id))
        return store

    # -- the customer's own account ---------------------------------------------------------

    def register(
        self,
        ctx: CommandContext,
        store_id: UUID,
        *,
        email: str,
        password: str,
        first_name: str = "",
        last_name: str = "",
        phone: str | None = None,
        language: str | None = None,
        marketing_consent: bool = False,
    ) -> IssuedSession:
        store = self._store(store_id)
        email = normalise_email(email)
        check_password(password, email=email)
        profile = {
            "email": email,
            "first_name": check_person_name(first_name, "first_name"),
            "last_name": check_person_name(last_name, "last_name"),
            "phone": check_phone(phone),
        }
        lang = check_language(language) if language else store.locale
        customer_id = uuid4()
        scope = scope_of(store_id)

        def decide(at: datetime) -> tuple[Customer, list[Any]]:
            claim = self.claim_email(scope, email, customer_id, at)
            customer = Customer.register(
                customer_id=customer_id,
                store_id=store_id,
                sealed=self.kit.personal.seal(customer_id, profile),
                credentials=self.seal_credentials(customer_id, password),
                email_index=self.kit.keyring.email_index(scope, email),
                language=lang,
                marketing_consent=marketing_consent,
                at=at,
            )
            return customer, [claim]

        return self.execute_with_session(
            ctx.for_store(store_id),
            "RegisterCustomer",
            decide,
            store_id=store_id,
            on_conflict=lambda: EmailTakenError("an account with this e-mail already exists"),
        )

    def login_customer(
        self, ctx: CommandContext, store_id: UUID, *, email: str, password: str
    ) -> IssuedSession:
        self._store(store_id)
        return self.login(
            ctx.for_store(store_id),
            scope=scope_of(store_id),
            email=email,
            password=password,
            store_id=store_id,
        )

    def request_reset(self, ctx: CommandContext, store_id: UUID, *, email: str) -> None:
        self._store(store_id)
        self.request_password_reset(ctx.for_store(store_id), scope=scope_of(store_id), email=email)

    def update_profile(
        self,
        ctx: CommandContext,
        store_id: UUID,
        customer_id: UUID,
        *,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            check_version(customer, expected_version)
            current = self.profile(customer) or {}
            profile = dict(current)
            for name in ("first_name", "last_name"):
                if name in changes:
                    profile[name] = check_person_name(changes[name] or "", name)
            if "phone" in changes:
                profile["phone"] = check_phone(changes["phone"])
            if profile != current:
                customer.change_profile(sealed=self.kit.personal.seal(customer.id, profile), at=at)
            language = (
                check_language(changes["language"])
                if changes.get("language")
                else customer.language
            )
            consent = changes.get("marketing_consent")
            customer.change_preferences(
                language=language,
                marketing_consent=customer.marketing_consent if consent is None else consent,
                at=at,
            )
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "ChangeCustomerProfile", decide)

    def view(self, customer: Customer) -> dict[str, Any]:
        """The customer's own profile, in clear (or marked erased)."""
        profile = self.profile(customer) or {}
        return {
            "id": customer.id,
            "store_id": customer.store_id,
            "email": profile.get("email"),
            "first_name": profile.get("first_name"),
            "last_name": profile.get("last_name"),
            "phone": profile.get("phone"),
            "language": customer.language,
            "marketing_consent": customer.marketing_consent,
            "status": customer.status,
            "version": customer.version,
            "created_at": customer.created_on,
            "addresses": self.addresses(customer),
        }

    def addresses(self, customer: Customer) -> list[dict[str, Any]]:
        answer = []
        for address_id, sealed in customer.addresses.items():
            data = self.open(customer, sealed)
            if data is None:
                continue
            answer.append(
                {
                    "id": address_id,
                    **data,
                    "default_shipping": customer.default_shipping == address_id,
                    "default_billing": customer.default_billing == address_id,
                }
            )
        return answer

    def add_address(
        self,
        ctx: CommandContext,
        store_id: UUID,
        customer_id: UUID,
        *,
        address: dict[str, Any],
        default_shipping: bool = False,
        default_billing: bool = False,
    ) -> CommandResult:
        parsed = Address.parse(address)

        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            customer.add_address(
                address_id=uuid4(),
                sealed=self.kit.personal.seal(customer.id, parsed.as_dict()),
                default_shipping=default_shipping,
                default_billing=default_billing,
                at=at,
            )
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "AddAddress", decide)

    def change_address(
        self,
        ctx: CommandContext,
        store_id: UUID,
        customer_id: UUID,
        address_id: UUID,
        *,
        changes: dict[str, Any],
        default_shipping: bool | None = None,
        default_billing: bool | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            current = self.open(customer, customer._address(address_id)) or {}
            if changes:
                parsed = Address.parse({**current, **changes})
                customer.change_address(
                    address_id=address_id,
                    sealed=self.kit.personal.seal(customer.id, parsed.as_dict()),
                    at=at,
                )
            if default_shipping:
                customer.set_default(kind="shipping", address_id=address_id, at=at)
            if default_billing:
                customer.set_default(kind="billing", address_id=address_id, at=at)
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "ChangeAddress", decide)

    def remove_address(
        self, ctx: CommandContext, store_id: UUID, customer_id: UUID, address_id: UUID
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            customer.remove_address(address_id=address_id, at=at)
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "RemoveAddress", decide)

    # -- the store's side -------------------------------------------------------------------

    def deactivate(
        self, ctx: CommandContext, store_id: UUID, customer_id: UUID, *, reason: str
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            customer.disable(reason=check_person_name(reason, "reason") or "-", at=at)
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "DeactivateCustomer", decide)

    def reactivate(self, ctx: CommandContext, store_id: UUID, customer_id: UUID) -> CommandResult:
        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            customer.enable(at=at)
            return Decision(customer)

        return self.platform.execute(ctx.for_store(store_id), "ReactivateCustomer", decide)

    def erase(
        self, ctx: CommandContext, store_id: UUID, customer_id: UUID, *, by: str
    ) -> CommandResult:
        """Right to erasure. The event is written first, then the key destroyed: a crash in
        between leaves an ``Erased`` event whose projection handler destroys the key again,
        so the key is always gone once the erasure was acknowledged."""

        def decide(at: datetime) -> Decision:
            customer = self.get(store_id, customer_id)
            touched: list[Any] = []
            claim = self.platform.find(
                EmailClaim, email_claim_id(scope_of(store_id), customer.email_index)
            )
            if claim is not None:
                claim.release(owner_id=customer.id, at=at)
                touched.append(claim)
            customer.erase(by=by, at=at)
            return Decision(customer, touched=touched)

        result = self.platform.execute(ctx.for_store(store_id), "EraseCustomer", decide)
        self.kit.personal.destroy(customer_id)
        return result

    def export(self, store_id: UUID, customer_id: UUID) -> dict[str, Any]:
        """Right of access: everything the platform holds about the customer, in clear."""
        customer = self.get(store_id, customer_id)
        history = [
            {
                "type": type(event).__name__,
                "at": getattr(event, "timestamp", None),
                "version": event.originator_version,
            }
            for event in self.platform.app.events.get(customer.id)
        ]
        return {
            "customer": self.view(customer),
            "history": history,
            "erased": customer.status == ERASED,
        }
