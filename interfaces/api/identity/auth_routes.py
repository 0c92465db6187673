"""Routes under /api/v1/auth (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
