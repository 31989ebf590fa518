"""``/docs`` (Swagger UI) and ``/redoc`` with their scripts, styles and icon served by
this server, from the files the ``fastapi-offline`` package ships, never from a CDN: the
pages work on a desk without internet, and a browser that opens them asks no third party
for anything. (FastAPI's own pages load their assets from jsDelivr and Google Fonts.)

Without that package the API serves no docs pages (``/openapi.json`` still answers):
a blank page that waits for a CDN would be worse.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

log = logging.getLogger(__name__)

#: Where the assets are served.
ASSETS = "/docs/assets"


def assets_directory() -> Path | None:
    """The directory of Swagger UI's and ReDoc's files, or None without the package."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    directory = Path(fastapi_offline.__file__).parent / "static"
    return directory if directory.is_dir() else None


def install_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` on ``app`` (made with ``docs_url=None, redoc_url=None``)."""
    directory = assets_directory()
    if directory is None:
        log.warning("no docs pages: install fastapi-offline (the api extra brings it)")
        return
    app.mount(ASSETS, StaticFiles(directory=directory), name="docs-assets")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=title,
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=title,
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
