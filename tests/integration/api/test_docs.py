"""The API's pages: Swagger UI at /docs served by Orion itself (offline, and no visit told to a
CDN), no ReDoc from a CDN, and / sending a newcomer to the docs."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_are_served_by_orion(client: TestClient) -> None:
    """Swagger UI comes from Orion itself: offline it works, and no visit is told elsewhere."""
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "swagger-ui-bundle.js" in page.text and "/openapi.json" in page.text
    assert "//" not in page.text.replace("https://", "").replace("http://", ""), page.text
    assert "http://" not in page.text and "https://" not in page.text, page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        served = client.get(f"/docs/assets/{asset}")
        assert served.status_code == 200 and len(served.content) > 100, asset
    assert client.get("/redoc").status_code == 404
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "/docs"
    assert client.get("/").url.path == "/docs"
