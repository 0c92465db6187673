"""Each request is one use of personal data (``adapters.vault.one_use``)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.vault import one_use


class OneUseOfPersonalData:
    """Pure ASGI middleware: within a request, the vault checks its cached keys against the
    erasures made in every process once, however many personal values the request opens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The endpoint's threads run in copies of this context: they share the use.
        with one_use():
            await self.app(scope, receive, send)
