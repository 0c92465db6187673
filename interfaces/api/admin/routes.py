"""Platform admins' operations: projections' status and rebuilds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from domain.shared.errors import NotFoundError
from interfaces.api.deps import AdminDep, OrionDep

router = APIRouter(prefix="/api/v1/admin/projections", tags=["admin: projections"])


class ProjectionStatusPublic(BaseModel):
    """Where a read model stands: its position in the log, its lag, and what stopped it."""

    name: str
    state: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    generation: int
    error: str | None
    error_position: int | None
    error_topic: str | None
    rebuild_position: int | None
    rebuild_error: str | None = None


class ProjectionList(BaseModel):
    items: list[ProjectionStatusPublic]


class RebuildStarted(BaseModel):
    projection: str
    generation: int
    state: Literal["rebuilding"]


def _known(orion: OrionDep, name: str) -> None:
    if name not in orion.projections.projections:
        raise NotFoundError(f"no projection {name!r}", projection=name)


def _status(orion: OrionDep, name: str) -> ProjectionStatusPublic:
    return ProjectionStatusPublic.model_validate(asdict(orion.projections.status(name)))


@router.get("", response_model=ProjectionList)
def list_projections(orion: OrionDep, _: AdminDep) -> ProjectionList:
    return ProjectionList(items=[_status(orion, n) for n in orion.projections.projections])


@router.get("/{name}", response_model=ProjectionStatusPublic)
def get_projection(name: str, orion: OrionDep, _: AdminDep) -> ProjectionStatusPublic:
    _known(orion, name)
    return _status(orion, name)


@router.post("/{name}/rebuild", status_code=202, response_model=RebuildStarted)
def rebuild_projection(name: str, orion: OrionDep, _: AdminDep) -> RebuildStarted:
    """Rebuild from position 0 into fresh tables; queries use the old ones until the swap."""
    _known(orion, name)
    generation = orion.projections.request_rebuild(name)
    orion.projections.wake()
    return RebuildStarted(projection=name, generation=generation, state="rebuilding")


@router.post("/{name}/resume", status_code=202, response_model=ProjectionStatusPublic)
def resume_projection(name: str, orion: OrionDep, _: AdminDep) -> ProjectionStatusPublic:
    """Retry a failed projection now (after a fix), instead of waiting for its back-off."""
    _known(orion, name)
    orion.projections.resume(name)
    return _status(orion, name)
