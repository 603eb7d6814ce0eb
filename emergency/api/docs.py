"""The interactive API documentation, served from the package itself.

Government networks are often offline: FastAPI's default ``/docs`` loads Swagger UI
from a CDN and shows a blank page there. Here Swagger UI (vendored in
``emergency/api/static/swagger-ui/``, version and licence in its README) is served by
the app under ``/static/swagger-ui/`` and ``/docs`` refers only to those files and to
``/openapi.json``. ReDoc is off (it has no offline bundle here). The validator badge
(which would call validator.swagger.io) is switched off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "swagger-ui"
ASSETS_URL = "/static/swagger-ui"
DOCS_URL = "/docs"


def add_docs(app: FastAPI) -> None:
    """Mount the vendored assets and the ``/docs`` page on ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="swagger-ui")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} — 接口文档",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
        )
