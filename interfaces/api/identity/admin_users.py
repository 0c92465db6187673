"""Routes under /api/v1/admin/users (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin: users"])
