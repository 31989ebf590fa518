"""``/ui/``: the web dashboard's files, served by the API itself (no CDN: it works offline).

This module serves files and nothing else: it imports no service, store or container.
The page reads the REST API and ``/ws/bars`` like any other client, with the token the
operator types into it; the page itself holds no data, so it needs no token.

What is served, from the directory ``npm --prefix web run build`` writes (the package's
``ui_assets/``, or ``CHRONOX_UI_ASSETS``):

- ``/ui/`` (and ``/ui/index.html``): the page, ``Cache-Control: no-cache`` (revalidated
  by its ETag), so that a new build is seen at the next load;
- ``/ui/assets/...``: the bundles, whose names carry a hash of their content, so they are
  cached for a year and never revalidated;
- any other file at the top of the directory (an icon), revalidated like the page;
- any other path a browser navigates to (it accepts text/html): the page, which reads
  its own URL (a view's address, reloaded or bookmarked);
- anything else: a 404 in the API's error shape. No directory is listed, and no path
  leaves the directory (``..``, an absolute path, a symlink out, a dot file).

Every answer under ``/ui`` carries a Content-Security-Policy that lets the page load
scripts, styles, images and fonts from this server only and connect to this server only
(HTTP and its WebSocket), never be framed, and send no Referer. Without a build (a
source checkout without Node.js), ``/ui/`` answers 503 with the one command to run.
"""

from __future__ import annotations

import html
import logging
import mimetypes
import os
import re
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

log = logging.getLogger(__name__)

#: Where the dashboard is served.
PREFIX: Final = "/ui"
#: What builds it, from a source checkout.
BUILD_COMMAND: Final = "npm --prefix web ci && npm --prefix web run build"
#: The package's own copy (a wheel carries it; a checkout has it once built).
PACKAGED: Final = Path(__file__).resolve().parent / "ui_assets"

INDEX: Final = "index.html"
ASSETS: Final = "assets"
IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"

#: The types a Vite build emits, fixed here: the platform's table may be wrong (some map
#: ``.js`` to ``text/plain``, which a module script with ``nosniff`` refuses to run).
CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}

#: A Host header fit to name in the policy (anything else: 'self' alone).
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


def assets_directory(configured: str = "") -> Path:
    """The directory the dashboard is served from: ``configured`` (CHRONOX_UI_ASSETS)
    when set, else the package's ``ui_assets``."""
    return Path(configured).expanduser() if configured.strip() else PACKAGED


def is_built(directory: Path) -> bool:
    return (directory / INDEX).is_file()


def security_headers(request: Request) -> dict[str, str]:
    """What every answer under /ui carries. ``connect-src`` names this host's ws: and
    wss: besides 'self', which older browsers do not extend to WebSocket URLs."""
    connect = "'self'"
    host = request.headers.get("host", "")
    if _HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            # data: and blob: for the canvas's exports (a PNG of the chart).
            "img-src 'self' data: blob:",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def file_under(root: Path, relative: str) -> Path | None:
    """The regular file at ``relative`` (a URL path, ``/``-separated) inside ``root``, or
    None: for a directory, a dot file, an empty, ``.`` or ``..`` segment, a NUL byte,
    or anything that resolves (through a symlink) outside ``root``."""
    parts = relative.split("/")
    if any(not part or part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        return None
    try:
        found = root.joinpath(*parts).resolve(strict=True)
        inside = found.is_relative_to(root.resolve(strict=True))
        return found if inside and found.is_file() else None
    except (OSError, ValueError):
        return None


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def install_ui(app: FastAPI, directory: Path, *, announce: bool = True) -> None:
    """``/ui`` on ``app``, served from ``directory``. That the dashboard is not built is
    said once here (if ``announce``), and looked at again on each request: a build made
    while the server runs is served without a restart."""
    if announce and not is_built(directory):
        log.warning(
            "the web dashboard is not built (%s has no %s): /ui/ answers 503; run: %s",
            directory,
            INDEX,
            BUILD_COMMAND,
        )

    @app.api_route(PREFIX, methods=["GET", "HEAD"], include_in_schema=False)
    def ui_slash(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}{PREFIX}/", headers=security_headers(request))

    @app.api_route(f"{PREFIX}/", methods=["GET", "HEAD"], include_in_schema=False)
    def ui_page(request: Request) -> Response:
        return _page(request, directory)

    @app.api_route(f"{PREFIX}/{{path:path}}", methods=["GET", "HEAD"], include_in_schema=False)
    def ui_file(request: Request, path: str) -> Response:
        if path == INDEX:
            return _page(request, directory)
        if path == ASSETS or path.startswith(f"{ASSETS}/"):
            found = file_under(directory, path)
            return _not_found(request) if found is None else _file(request, found, IMMUTABLE)
        found = file_under(directory, path)
        if found is not None:
            return _file(request, found, REVALIDATE)
        if "text/html" in request.headers.get("accept", ""):
            return _page(request, directory)  # a view's address: the page reads its URL
        return _not_found(request)


def _page(request: Request, directory: Path) -> Response:
    index = file_under(directory, INDEX)
    if index is None:
        return _not_built(request)
    return _file(request, index, REVALIDATE)


def _file(request: Request, path: Path, cache: str) -> Response:
    """``path`` with its ETag; a 304 when the browser's copy is current."""
    stat = os.stat(path)
    answer = FileResponse(path, media_type=content_type(path), stat_result=stat)
    headers = {"Cache-Control": cache, **security_headers(request)}
    etag = answer.headers["etag"]
    if etag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers={"ETag": etag, **headers})
    answer.headers.update(headers)
    return answer


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared as strong: a file
    has one representation)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _not_found(request: Request) -> Response:
    """A file the build does not have: most often a page loaded before a rebuild asking
    for the old build's bundle."""
    detail = "the dashboard's build has no such file (rebuilt since the page loaded? reload it)"
    return JSONResponse(
        {"error": "not_found", "detail": detail},
        status_code=404,
        headers={"Cache-Control": REVALIDATE, **security_headers(request)},
    )


def _not_built(request: Request) -> Response:
    command = html.escape(BUILD_COMMAND)
    docs = html.escape(f"{request.scope.get('root_path', '')}/docs", quote=True)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chronox: dashboard not built</title></head>
<body>
<h1>The chronox dashboard is not built</h1>
<p>This server runs from a source checkout whose web assets were never built. From the
checkout, run (it needs Node.js), then reload this page:</p>
<pre>{command}</pre>
<p>A chronox installed from a wheel carries the built dashboard. The REST API itself
works: see <a href="{docs}">/docs</a>.</p>
</body></html>
"""
    return HTMLResponse(
        page,
        status_code=503,
        headers={"Cache-Control": "no-store", **security_headers(request)},
    )
