"""The store's customer desk: find customers, see one (with their addresses), deactivate and
reactivate them, answer a right-of-access request (export) and erase them.

Erasure and the other commands answer with the command answer (id, version, position), as
every store command does, so that the dashboard can read its own write with ``min_position``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from domain.identity.errors import AccountNotFoundError
from interfaces.api.auth import StoreAccess
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.deps import CommandCtx, OrionDep, read_after, store_permission
from interfaces.api.identity.routes.account import export_response
from interfaces.api.identity.schemas.customers import (
    AddressPublic,
    CustomerDetail,
    CustomerExport,
    CustomerList,
    CustomerPublic,
    Deactivate,
)
from projections.identity import queries
from projections.read import as_utc

router = APIRouter(prefix="/api/v1/stores/{store_id}/customers", tags=["store: customers"])
Fresh = Annotated[int | None, Depends(read_after("customers"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("customers", "read"))]
CanWrite = Annotated[StoreAccess, Depends(store_permission("customers", "write"))]


def public(row: dict[str, Any]) -> dict[str, Any]:
    data = {**row, "id": row["customer_id"]}
    for key in ("created_at", "updated_at", "last_order_at"):
        data[key] = as_utc(row.get(key))
    return data


def _private(response: Response) -> None:
    # Personal data: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"


@router.get("", response_model=CustomerList)
def list_customers(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    q: Annotated[str | None, Query(max_length=254, pattern="^[^\x00]*$")] = None,
    status: Annotated[str | None, Query(pattern="^(active|disabled|erased)$")] = None,
    marketing_consent: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerList:
    rows, next_cursor = queries.list_customers(
        orion.read,
        store_id,
        q=q,
        status=status,
        marketing_consent=marketing_consent,
        cursor=cursor,
        limit=limit,
    )
    _private(response)
    return CustomerList(
        items=[CustomerPublic.model_validate(public(r)) for r in rows], next_cursor=next_cursor
    )


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(
    store_id: UUID,
    customer_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
) -> CustomerDetail:
    row = queries.get_customer(orion.read, store_id, customer_id)
    if row is None:
        raise AccountNotFoundError(f"no customer {customer_id}", customer_id=str(customer_id))
    # Addresses are not in the read model: they are opened from the aggregate, with the
    # person's key, so an erased customer has none.
    customer = orion.customers.get(store_id, customer_id)
    addresses = [AddressPublic.model_validate(a) for a in orion.customers.addresses(customer)]
    _private(response)
    return CustomerDetail.model_validate({**public(row), "addresses": addresses})


@router.post("/{customer_id}/deactivate", response_model=CommandAnswer)
def deactivate_customer(
    store_id: UUID,
    customer_id: UUID,
    body: Deactivate,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """The customer can no longer sign in, and their tokens stop working at once."""
    result = orion.customers.deactivate(ctx, store_id, customer_id, reason=body.reason)
    return answer(result, response)


@router.post("/{customer_id}/reactivate", response_model=CommandAnswer)
def reactivate_customer(
    store_id: UUID,
    customer_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    result = orion.customers.reactivate(ctx, store_id, customer_id)
    return answer(result, response)


@router.get("/{customer_id}/export", response_model=CustomerExport)
def export_customer(store_id: UUID, customer_id: UUID, orion: OrionDep, _: CanRead) -> JSONResponse:
    """A right-of-access request answered by the store: everything held, as a download."""
    return export_response(orion.customers.export(store_id, customer_id), customer_id)


@router.delete("/{customer_id}", response_model=CommandAnswer)
def erase_customer(
    store_id: UUID,
    customer_id: UUID,
    orion: OrionDep,
    ctx: CommandCtx,
    _: CanWrite,
    response: Response,
) -> CommandAnswer:
    """Right to erasure: the person's key is destroyed, so their data in the log is unreadable
    for good; read models drop it as they apply the ``Erased`` event."""
    result = orion.customers.erase(ctx, store_id, customer_id, by="store")
    return answer(result, response)
