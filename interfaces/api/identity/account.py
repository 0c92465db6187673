"""Routes under /api/v1/shop/{store_code}/account (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/shop/{store_code}/account", tags=["shop: account"])
