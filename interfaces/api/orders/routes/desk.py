"""The store's order desk (find orders, see one with its timeline, move it along: payment,
processing, shipments, delivery, cancellation, refunds, notes) and the customer's own order
history in the shop.

Transitions are commands: they answer with the command answer (id, version, position), so the
desk reads its own write with ``min_position``. An invalid transition is a 409 whose
``current_status`` names the order's status (the problem's own ``status`` member is the HTTP
status).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from domain.orders.errors import OrderNotFoundError, OrderStateError
from domain.orders.values import STATUSES
from domain.shared.errors import ConflictError
from domain.shared.money import MAX_AMOUNT
from domain.shared.personal import ERASED
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, QueryDateTime, answer
from interfaces.api.deps import CommandCtx, IfMatch, OrionDep, read_after, store_permission
from interfaces.api.identity.routes.account import CustomerDep
from interfaces.api.orders.schemas.desk import (
    CancelBody,
    NoteCreate,
    OrderContact,
    OrderDetail,
    OrderList,
    OrderSummary,
    PaymentCreate,
    RefundBody,
    ShipBody,
    ShopOrderDetail,
    ShopOrderList,
    ShopOrderSummary,
)
from interfaces.bootstrap import Orion
from projections.orders import queries

router = APIRouter(prefix="/api/v1/stores/{store_id}/orders", tags=["store: orders"])
shop = APIRouter(prefix="/api/v1/shop/{store_code}/account/orders", tags=["shop: account"])
Fresh = Annotated[int | None, Depends(read_after("orders"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("orders", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("orders", "write"))]
STATUS_PATTERN = f"^({'|'.join(STATUSES)})$"
Cursor = Annotated[str | None, Query(max_length=500)]


def _private(response: Response) -> None:
    # Orders hold personal data (e-mails, addresses): never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "id": row["order_id"]}


def _contact(orion: Orion, store_id: UUID, order_id: UUID) -> OrderContact:
    """Opened from the order's sealed contact with the person's key: "[erased]" once gone."""
    opened = orion.orders.contact(orion.orders.get(store_id, order_id))
    if opened is None:
        return OrderContact(erased=True, email=ERASED, shipping_address=None, billing_address=None)
    return OrderContact(
        erased=False,
        email=str(opened.get("email") or ""),
        shipping_address=opened.get("shipping_address"),
        billing_address=opened.get("billing_address"),
    )


def _not_found(order_id: UUID) -> OrderNotFoundError:
    return OrderNotFoundError(f"no order {order_id}", order_id=str(order_id))


@contextmanager
def _current_status() -> Iterator[None]:
    """The domain's transition errors carry ``status``, which a problem body keeps for the HTTP
    status: name the order's status ``current_status`` instead."""
    try:
        yield
    except ConflictError as error:
        if "status" not in error.fields:
            raise
        fields = {k: v for k, v in error.fields.items() if k != "status"}
        raised = OrderStateError(error.detail, current_status=error.fields["status"], **fields)
        raise raised from None


# -- the store's desk ---------------------------------------------------------------------------


@router.get("", response_model=OrderList)
def list_orders(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
    placed_from: QueryDateTime | None = None,
    placed_to: QueryDateTime | None = None,
    customer_id: UUID | None = None,
    min_total: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    max_total: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    q: Annotated[str | None, Query(max_length=254, pattern="^[^\x00]*$")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrderList:
    """Newest first. ``q``: an order number (``ACME-000042`` or ``42``) or part of an e-mail."""
    rows, next_cursor = queries.list_orders(
        orion.read,
        store_id,
        status=status,
        placed_from=placed_from,
        placed_to=placed_to,
        customer_id=customer_id,
        min_total=min_total,
        max_total=max_total,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    _private(response)
    return OrderList(
        items=[OrderSummary.model_validate(_summary(r)) for r in rows], next_cursor=next_cursor
    )


@router.get("/{order_id}", response_model=OrderDetail)
def get_order(
    store_id: UUID,
    order_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
) -> OrderDetail:
    row = queries.get_order(orion.read, store_id, order_id)
    if row is None:
        raise _not_found(order_id)
    _private(response)
    return OrderDetail.model_validate(
        {**_summary(row), "contact": _contact(orion, store_id, order_id)}
    )


@router.post("/{order_id}/payments", response_model=CommandAnswer)
def record_payment(
    store_id: UUID,
    order_id: UUID,
    body: PaymentCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """A payment received (a bank transfer, cash): the order is paid once it covers the total."""
    with _current_status():
        result = orion.orders.record_payment(
            ctx,
            store_id,
            order_id,
            amount=body.amount,
            reference=body.reference,
            expected_version=version,
        )
    return answer(result, response)


@router.post("/{order_id}/process", response_model=CommandAnswer)
def start_processing(
    store_id: UUID,
    order_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    with _current_status():
        result = orion.orders.start_processing(ctx, store_id, order_id, expected_version=version)
    return answer(result, response)


@router.post("/{order_id}/ship", response_model=CommandAnswer)
def ship(
    store_id: UUID,
    order_id: UUID,
    body: ShipBody,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """A shipment: the given lines and quantities, or (no ``lines``) all that is left."""
    lines = [line.model_dump() for line in body.lines] if body.lines is not None else None
    with _current_status():
        result = orion.orders.ship(
            ctx,
            store_id,
            order_id,
            carrier=body.carrier,
            tracking_number=body.tracking_number,
            lines=lines,
            expected_version=version,
        )
    return answer(result, response)


@router.post("/{order_id}/deliver", response_model=CommandAnswer)
def deliver(
    store_id: UUID,
    order_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    with _current_status():
        result = orion.orders.deliver(ctx, store_id, order_id, expected_version=version)
    return answer(result, response)


@router.post("/{order_id}/cancel", response_model=CommandAnswer)
def cancel(
    store_id: UUID,
    order_id: UUID,
    body: CancelBody,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """Releases the order's reserved stock; what was paid is to be refunded."""
    with _current_status():
        result = orion.orders.cancel(
            ctx, store_id, order_id, reason=body.reason, expected_version=version
        )
    return answer(result, response)


@router.post("/{order_id}/refund", response_model=CommandAnswer)
def refund(
    store_id: UUID,
    order_id: UUID,
    body: RefundBody,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    """Refunds lines and quantities: unshipped units go back from their reservation, shipped
    ones back on the shelf when ``restock``."""
    with _current_status():
        result = orion.orders.refund(
            ctx,
            store_id,
            order_id,
            lines=[line.model_dump() for line in body.lines],
            amount=body.amount,
            reason=body.reason or "refund",
            expected_version=version,
        )
    return answer(result, response)


@router.post("/{order_id}/notes", status_code=201, response_model=CommandAnswer)
def add_note(
    store_id: UUID,
    order_id: UUID,
    body: NoteCreate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """An internal note (never shown to the customer)."""
    result = orion.orders.add_note(ctx, store_id, order_id, text=body.text)
    return answer(result, response)


# -- the customer's own history -----------------------------------------------------------------


@shop.get("", response_model=ShopOrderList)
def my_orders(
    me: CustomerDep,
    orion: OrionDep,
    _: Fresh,
    response: Response,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ShopOrderList:
    rows, next_cursor = queries.orders_of_customer(
        orion.read, me.store_id, me.customer_id, cursor=cursor, limit=limit
    )
    _private(response)
    return ShopOrderList(
        items=[ShopOrderSummary.model_validate(_summary(r)) for r in rows],
        next_cursor=next_cursor,
    )


@shop.get("/{order_id}", response_model=ShopOrderDetail)
def my_order(
    order_id: UUID, me: CustomerDep, orion: OrionDep, _: Fresh, response: Response
) -> ShopOrderDetail:
    """One of the customer's orders; anyone else's (or a guest's) does not exist here."""
    row = queries.get_order(orion.read, me.store_id, order_id)
    if row is None or row["customer_id"] != me.customer_id:
        raise _not_found(order_id)
    # Internal notes and who did what stay on the store's side.
    timeline = [t for t in row["timeline"] if t["type"] != "note_added"]
    _private(response)
    return ShopOrderDetail.model_validate(
        {
            **_summary(row),
            "timeline": timeline,
            "contact": _contact(orion, me.store_id, order_id),
        }
    )
