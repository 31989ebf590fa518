"""``/docs`` and ``/redoc`` work offline: every asset their pages load comes from this
server (the package's files), none from a CDN, and each one answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

#: What each asset's content type must be, by its file name's end.
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
#: Every URL a page refers to: attributes, and Swagger UI's ``url: '...'``.
URL = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*["']([^"']+)["']""")


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CHRONOX_REDIS_URL", raising=False)
    settings = Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}", api_token="s3cret")
    with TestClient(create_app(Container(settings=settings))) as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_this_servers_assets(api: TestClient, page: str) -> None:
    html = api.get(page)  # no token: the docs hold no data
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    urls = [a or b for a, b in URL.findall(html.text)]
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assets = [url for url in urls if url != "/openapi.json"]
    assert any(url.endswith(".js") for url in assets), assets
    for url in assets:
        answer = api.get(url)
        assert answer.status_code == 200, url
        expected = next(kind for end, kind in CONTENT_TYPES.items() if url.endswith(end))
        assert expected in answer.headers["content-type"], (url, answer.headers["content-type"])
    assert api.get("/openapi.json").status_code == 200
