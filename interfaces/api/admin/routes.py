"""Platform admins' operations: projections' status and rebuilds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from domain.shared.errors import NotFoundError
from interfaces.api.deps import AdminDep, OrionDep

router = APIRouter(prefix="/api/v1/admin/projections", tags=["admin: projections"])


def _known(orion: OrionDep, name: str) -> None:
    if name not in orion.projections.projections:
        raise NotFoundError(f"no projection {name!r}", projection=name)


@router.get("")
def list_projections(orion: OrionDep, _: AdminDep) -> dict[str, Any]:
    return {"items": [asdict(orion.projections.status(n)) for n in orion.projections.projections]}


@router.get("/{name}")
def get_projection(name: str, orion: OrionDep, _: AdminDep) -> dict[str, Any]:
    _known(orion, name)
    return asdict(orion.projections.status(name))


@router.post("/{name}/rebuild", status_code=202)
def rebuild_projection(name: str, orion: OrionDep, _: AdminDep) -> dict[str, Any]:
    """Rebuild from position 0 into fresh tables; queries use the old ones until the swap."""
    _known(orion, name)
    generation = orion.projections.request_rebuild(name)
    orion.projections.wake()
    return {"projection": name, "generation": generation, "state": "rebuilding"}


@router.post("/{name}/resume", status_code=202)
def resume_projection(name: str, orion: OrionDep, _: AdminDep) -> dict[str, Any]:
    """Retry a failed projection now (after a fix), instead of waiting for its back-off."""
    _known(orion, name)
    orion.projections.resume(name)
    return asdict(orion.projections.status(name))
