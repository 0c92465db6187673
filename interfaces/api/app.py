"""The FastAPI application: routers, error mapping, correlation ids and metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal
from uuid import uuid4

import anyio
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.metrics import Metrics
from interfaces.api.admin.routes import router as projections_router
from interfaces.api.audit.routes import router as audit_router
from interfaces.api.cart.routes import router as cart_router
from interfaces.api.catalog.routes import router as catalog_router
from interfaces.api.catalog.routes import shop as shop_router
from interfaces.api.contract import declare_errors
from interfaces.api.docs import install_docs
from interfaces.api.errors import install_error_handlers
from interfaces.api.identity.routes import account, admin_users, api_keys, customers, team
from interfaces.api.identity.routes import auth as auth_routes
from interfaces.api.inventory.routes import router as inventory_router
from interfaces.api.invoices.routes import router as invoices_router
from interfaces.api.orders.routes import dashboard
from interfaces.api.orders.routes import desk as orders
from interfaces.api.orders.routes.checkout import router as checkout_router
from interfaces.api.orders.routes.settings import router as commerce_settings_router
from interfaces.api.paths import KeepEncodedSlashes
from interfaces.api.personal import OneUseOfPersonalData
from interfaces.api.ratelimit import rate_limiter_from_settings
from interfaces.api.shipping.routes import router as shipping_router
from interfaces.api.stores.routes import router as stores_router
from interfaces.api.tax.routes import router as tax_router
from interfaces.bootstrap import Orion

log = logging.getLogger("orion.api")
CORRELATION_HEADER = "X-Correlation-Id"


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    """``ok``; ``degraded`` (503) when a projection failed; ``unavailable`` (503) when the
    event store or the read models cannot be reached."""

    status: Literal["ok", "degraded", "unavailable"]
    event_store: Literal["ok"] | None = None
    read_models: Literal["ok"] | None = None
    head: int | None = None
    failed_projections: list[str] | None = None
    error: str | None = None


class CorrelateAndMeasure:
    """Pure ASGI middleware (cheaper than ``BaseHTTPMiddleware`` on the hot path): gives every
    request a correlation id and records its count and latency by route template, 5xx included."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-correlation-id", b"")[:64]
        correlation_id = given.decode("latin-1") if given else uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        status = 500  # what an exception escaping the handlers becomes
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[CORRELATION_HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


def create_app(orion: Orion, *, run_projections: bool | None = None) -> FastAPI:
    """Build the API over a bootstrapped ``Orion``. With ``run_projections`` (the embedded
    default), the projection engine follows the log on a thread of this process."""
    in_process = (
        orion.settings.run_projections_in_process if run_projections is None else run_projections
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Blocking work (the use cases, the database) runs on this many threads. Python runs
        # one at a time, and more of them only fight over it: measured on checkout, 4 threads
        # serve a fifth more orders per second than the default 40. Scale with processes.
        anyio.to_thread.current_default_thread_limiter().total_tokens = orion.settings.api_threads
        stop = threading.Event()
        orion.hear_positions(stop)
        if in_process:
            orion.start_background()
        try:
            yield
        finally:
            stop.set()
            orion.projections.stop()
            orion.reactions.stop()
            orion.scheduler.stop()

    app = FastAPI(
        title="Orion",
        version="0.1.0",
        description="Multi-tenant, event-sourced commerce platform.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.orion = orion
    metrics = Metrics()
    app.state.metrics = metrics
    orion.on_commit(metrics.on_commit)
    metrics.watch_followers(orion.follower_statuses)
    install_error_handlers(app)

    app.add_middleware(KeepEncodedSlashes)
    app.add_middleware(OneUseOfPersonalData)
    app.add_middleware(CorrelateAndMeasure, metrics=metrics)

    app.state.rate_limiter = rate_limiter_from_settings(orion.settings)
    for router in (
        stores_router,
        catalog_router,
        shop_router,
        audit_router,
        projections_router,
        auth_routes.router,
        admin_users.router,
        team.router,
        api_keys.router,
        customers.router,
        account.router,
        cart_router,
        checkout_router,
        shipping_router,
        commerce_settings_router,
        tax_router,
        orders.router,
        orders.shop,
        dashboard.router,
        inventory_router,
        invoices_router,
    ):
        app.include_router(router)

    @app.get("/healthz", tags=["ops"], response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        tags=["ops"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready: see status and error"}},
    )
    def readyz() -> Any:
        checks: dict[str, Any] = {}
        try:
            head = orion.head()
            checks["event_store"] = "ok"
            with orion.read.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["read_models"] = "ok"
        except Exception as error:  # readiness reports, it does not fail
            log.warning("readiness check failed: %s", error)
            return JSONResponse({"status": "unavailable", "error": str(error)}, status_code=503)
        failed = [
            n
            for n in orion.projections.projections
            if orion.projections.status(n).state == "failed"
        ]
        checks["head"] = head
        checks["failed_projections"] = failed
        status = 200 if not failed else 503
        return JSONResponse({"status": "ok" if not failed else "degraded", **checks}, status)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    install_docs(app)
    declare_errors(app)
    return app
