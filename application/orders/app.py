"""The order desk: an order read back, its contact, and the commands that move it on (payment,
processing, shipment, delivery, cancellation, refund, notes), each moving its stock with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.context import CommandContext
from application.inventory.app import InventoryService, retrying
from application.platform import CommandResult, Decision, Platform, check_version
from domain.inventory.aggregates import StockItem
from domain.orders.aggregates import Order
from domain.orders.errors import OrderNotFoundError
from domain.shared.personal import PersonalData


class OrderService:
    def __init__(
        self, platform: Platform, inventory: InventoryService, personal: PersonalData
    ) -> None:
        self.platform = platform
        self.inventory = inventory
        self.personal = personal

    # -- reading ----------------------------------------------------------------------------

    def get(self, store_id: UUID, order_id: UUID, *, version: int | None = None) -> Order:
        order = self.platform.find(Order, order_id, version=version)
        if order is None or order.store_id != store_id:
            raise OrderNotFoundError(f"no order {order_id}", order_id=str(order_id))
        return order

    def contact(self, order: Order) -> dict[str, Any] | None:
        """The order's e-mail and addresses, or None once the person was erased. The order does
        not know whether its customer was erased since: ``open`` does, in every process (see
        ``PersonalData``), for one check of the erasure clock per request."""
        return self.personal.open(order.subject_id, order.sealed_contact)

    # -- the order desk ---------------------------------------------------------------------

    def _transition(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        command: str,
        act: Any,
        expected_version: int | None = None,
    ) -> CommandResult:
        def decide(at: datetime) -> Decision:
            order = self.get(store_id, order_id)
            check_version(order, expected_version)
            touched = act(order, at)
            return Decision(order, touched=touched or [])

        return self.platform.execute(ctx.for_store(store_id), command, retrying(decide))

    def _item(self, store_id: UUID, location_id: UUID, sku: str) -> StockItem:
        item = self.inventory.item(store_id, location_id, sku)
        if item is None:  # a reservation always has its item; a return may need it anew
            item = StockItem.create(
                store_id=store_id, location_id=location_id, sku=sku, at=self.platform.clock.now()
            )
        return item

    def record_payment(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        *,
        amount: int,
        reference: str | None = None,
        method: str = "manual",
        expected_version: int | None = None,
    ) -> CommandResult:
        def act(order: Order, at: datetime) -> None:
            order.record_payment(
                payment_id=uuid4(), amount=amount, method=method, reference=reference, at=at
            )

        return self._transition(ctx, store_id, order_id, "RecordPayment", act, expected_version)

    def start_processing(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._transition(
            ctx,
            store_id,
            order_id,
            "StartProcessing",
            lambda order, at: order.start_processing(at=at),
            expected_version,
        )

    def ship(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        *,
        carrier: str,
        tracking_number: str | None = None,
        lines: list[dict[str, Any]] | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        shipment_id = uuid4()

        def act(order: Order, at: datetime) -> list[StockItem]:
            shipped = order.ship(
                shipment_id=shipment_id,
                carrier=carrier,
                tracking_number=tracking_number,
                lines=lines,
                at=at,
            )
            items: dict[UUID, StockItem] = {}
            for line in shipped:
                for part in line["from"]:
                    item = self._item(store_id, part["location_id"], line["sku"])
                    item = items.setdefault(item.id, item)
                    item.commit(reservation_id=order.id, quantity=part["quantity"], at=at)
            return list(items.values())

        return self._transition(ctx, store_id, order_id, "ShipOrder", act, expected_version)

    def deliver(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._transition(
            ctx,
            store_id,
            order_id,
            "DeliverOrder",
            lambda order, at: order.deliver(at=at),
            expected_version,
        )

    def cancel(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        *,
        reason: str,
        overdue_only: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        def act(order: Order, at: datetime) -> list[StockItem]:
            released = order.cancel(reason=reason, at=at, overdue_only=overdue_only)
            items: dict[UUID, StockItem] = {}
            for part in released:
                item = self._item(store_id, part["location_id"], part["sku"])
                item = items.setdefault(item.id, item)
                item.release(
                    reservation_id=order.id,
                    quantity=part["quantity"],
                    reason="payment_timeout" if overdue_only else "cancelled",
                    at=at,
                )
            return list(items.values())

        return self._transition(ctx, store_id, order_id, "CancelOrder", act, expected_version)

    def cancel_if_overdue(
        self, ctx: CommandContext, store_id: UUID, order_id: UUID
    ) -> CommandResult | None:
        """The payment-timeout job: cancels a pending-payment order past its due time."""
        order = self.get(store_id, order_id)
        due = order.payment_due_at
        if order.status != "pending_payment" or due is None or due > self.platform.clock.now():
            return None
        return self.cancel(
            ctx, store_id, order_id, reason="payment not received in time", overdue_only=True
        )

    def refund(
        self,
        ctx: CommandContext,
        store_id: UUID,
        order_id: UUID,
        *,
        lines: list[dict[str, Any]],
        amount: int | None = None,
        reason: str = "refund",
        expected_version: int | None = None,
    ) -> CommandResult:
        refund_id = uuid4()

        def act(order: Order, at: datetime) -> list[StockItem]:
            refunded = order.refund(
                refund_id=refund_id, lines=lines, amount=amount, reason=reason, at=at
            )
            items: dict[UUID, StockItem] = {}
            for line in refunded:
                for part in line["released"]:
                    item = self._item(store_id, part["location_id"], line["sku"])
                    item = items.setdefault(item.id, item)
                    item.release(
                        reservation_id=order.id,
                        quantity=part["quantity"],
                        reason="refunded",
                        at=at,
                    )
                for part in line["returned"]:
                    item = self._item(store_id, part["location_id"], line["sku"])
                    item = items.setdefault(item.id, item)
                    item.return_to_stock(
                        quantity=part["quantity"], order_id=order.id, reason="return", at=at
                    )
            return list(items.values())

        return self._transition(ctx, store_id, order_id, "RefundOrder", act, expected_version)

    def add_note(
        self, ctx: CommandContext, store_id: UUID, order_id: UUID, *, text: str
    ) -> CommandResult:
        def act(order: Order, at: datetime) -> None:
            order.add_note(note_id=uuid4(), text=text, author=ctx.actor, at=at)

        return self._transition(ctx, store_id, order_id, "AddOrderNote", act)
