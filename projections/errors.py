from __future__ import annotations

from domain.shared.errors import OrionError


class ReadModelNotReadyError(OrionError):
    """The projection has not been set up yet (no tracking row): the engine has never run."""

    code = "read_model_not_ready"

    def __init__(self, name: str) -> None:
        super().__init__(f"read model {name!r} is not set up yet", projection=name)
