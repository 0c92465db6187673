"""The store's dashboard: revenue and orders per day, average order value, orders by status,
top products and low-stock items, for a range of days, in the store's currency. The figures
are defined in ``projections.orders.projector``'s docstring."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from interfaces.api.auth import StoreAccess
from interfaces.api.common import QueryDate
from interfaces.api.deps import OrionDep, read_after, store_permission
from interfaces.api.orders.schemas.desk import Dashboard
from projections.orders import queries

router = APIRouter(prefix="/api/v1/stores/{store_id}/dashboard", tags=["store: dashboard"])
# Low-stock items come from the inventory read model: ``min_position`` waits for both.
Fresh = Annotated[int | None, Depends(read_after("dashboard", "inventory"))]
CanRead = Annotated[StoreAccess, Depends(store_permission("orders", "read"))]
DEFAULT_DAYS = 30


@router.get("", response_model=Dashboard)
def get_dashboard(
    store_id: UUID,
    orion: OrionDep,
    _: CanRead,
    __: Fresh,
    response: Response,
    date_from: Annotated[QueryDate | None, Query(alias="from")] = None,
    date_to: Annotated[QueryDate | None, Query(alias="to")] = None,
) -> Dashboard:
    """Days are UTC calendar days, both ends included; by default the last 30 days."""
    now = orion.clock.now()
    end = date_to or now.date()
    start = date_from or end - timedelta(days=DEFAULT_DAYS - 1)
    figures = queries.dashboard(orion.read, store_id, start, end, now=now)
    response.headers["Cache-Control"] = "private, no-store"
    return Dashboard.model_validate(figures)
