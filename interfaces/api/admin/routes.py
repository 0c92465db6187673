"""Platform admins' operations: the log's followers (read models and reactions), their status,
rebuilds (read models only) and resumes."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from adapters.follower import Follower, FollowerStatus
from domain.shared.errors import NotFoundError
from interfaces.api.admin.schemas import ProjectionList, ProjectionStatusPublic, RebuildStarted
from interfaces.api.deps import AdminDep, OrionDep

router = APIRouter(prefix="/api/v1/admin/projections", tags=["admin: projections"])


def _follower(orion: OrionDep, name: str) -> Follower:
    for follower in orion.followers:
        if name in follower.handlers:
            return follower
    raise NotFoundError(f"no projection or reaction {name!r}", projection=name)


def _public(status: FollowerStatus) -> ProjectionStatusPublic:
    return ProjectionStatusPublic.model_validate(asdict(status))


@router.get("", response_model=ProjectionList)
def list_projections(orion: OrionDep, _: AdminDep) -> ProjectionList:
    """Every read model, then every reaction."""
    return ProjectionList(items=[_public(s) for s in orion.follower_statuses()])


@router.get("/{name}", response_model=ProjectionStatusPublic)
def get_projection(name: str, orion: OrionDep, _: AdminDep) -> ProjectionStatusPublic:
    return _public(_follower(orion, name).status(name))


@router.post("/{name}/rebuild", status_code=202, response_model=RebuildStarted)
def rebuild_projection(name: str, orion: OrionDep, _: AdminDep) -> RebuildStarted:
    """Rebuild a read model from position 0 into fresh tables; queries use the old ones until
    the swap. A reaction has no tables: asking is a 409."""
    follower = _follower(orion, name)
    generation = follower.request_rebuild(name)
    follower.wake()
    return RebuildStarted(projection=name, generation=generation, state="rebuilding")


@router.post("/{name}/resume", status_code=202, response_model=ProjectionStatusPublic)
def resume_projection(name: str, orion: OrionDep, _: AdminDep) -> ProjectionStatusPublic:
    """Retry a failed read model or reaction now (after a fix), instead of after its back-off."""
    follower = _follower(orion, name)
    follower.resume(name)
    return _public(follower.status(name))
