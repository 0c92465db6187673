"""Schemas every context shares."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict

from application.platform import CommandResult


class StrictModel(BaseModel):
    """Request bodies: unknown fields and type coercion are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CommandAnswer(BaseModel):
    id: UUID
    version: int
    position: int


def answer(result: CommandResult, response: Response) -> CommandAnswer:
    response.headers["ETag"] = f'"{result.version}"'
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CommandAnswer(id=result.id, version=result.version, position=result.position)
