"""Routes under /api/v1/stores/{store_id}/customers (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/stores/{store_id}/customers", tags=["store: customers"])
