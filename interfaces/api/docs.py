"""The API's own pages: Swagger UI at ``/docs``, served by Orion itself from a pinned package
(``swagger-ui-bundle-v2``), so the docs work offline and no visit is told to a CDN; ``/``
sends a newcomer there until Orion has pages of its own."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS = "/docs"
ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serves ``/docs`` and its assets (the app is built with ``docs_url=None``, and
    ``redoc_url=None``: ReDoc would load from a CDN, and one reference UI is enough)."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=None,
            # Swagger UI would otherwise ask swagger.io to validate the document.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(DOCS, status_code=307)
