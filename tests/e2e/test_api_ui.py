"""``/ui/``: the web dashboard's files as the API serves them, from a build written by the
test (the real one needs Node.js): the page, its hashed assets, their caching and content
types, the security headers, no listing, no way out of the directory (over a real
socket, so that no client tidies the path first), and the 503 of an unbuilt checkout."""

from __future__ import annotations

import ast
import logging
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from chronox_entrypoints.api import create_app, ui
from chronox_entrypoints.cli.embedded import serving
from chronox_entrypoints.container import Container
from tests.conftest import hermetic_settings

TOKEN = "tok-UI-SECRET-93a1"
INDEX = (
    "<!doctype html><title>chronox</title>"
    '<script type="module" src="/ui/assets/app-3f9c1b.js"></script>'
)
SCRIPT = "export const answer = 42;\n"
SECRET = "the operator's private notes\n"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """What ``npm --prefix web run build`` writes, in small; beside it a file that must
    never be served."""
    root = tmp_path / "ui_assets"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-3f9c1b.js").write_text(SCRIPT)
    (root / "assets" / "style-77aa01.css").write_text("body { margin: 0 }\n")
    (root / "assets" / "logo-0b1c2d.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "assets" / ".hidden").write_text(SECRET)
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "assets" / "out.txt").symlink_to(tmp_path / "secret.txt")
    return root


def container_for(tmp_path: Path, assets: Path, **settings: object) -> Container:
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return Container(settings=hermetic_settings(store=store, ui_assets=str(assets), **settings))


@pytest.fixture
def api(tmp_path: Path, build: Path) -> Iterator[TestClient]:
    """A guarded API (reads too): the page must load without the token all the same."""
    container = container_for(tmp_path, build, api_token=TOKEN, api_auth_reads=True)
    with TestClient(create_app(container)) as client:
        yield client


def assert_secured(answer: httpx.Response) -> None:
    policy = answer.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["connect-src"] == "'self' ws://testserver wss://testserver"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_page_is_served_without_a_token_and_revalidated(api: TestClient) -> None:
    page = api.get("/ui/")
    assert page.status_code == 200 and page.text == INDEX
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert_secured(page)
    # Its data is not: every call the page makes needs the token, as before.
    assert api.get("/health").status_code == 401
    assert api.get("/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    again = api.get("/ui/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == page.headers["etag"]
    assert api.get("/ui/index.html").text == INDEX


def test_ui_without_its_slash_redirects_to_it(api: TestClient) -> None:
    answer = api.get("/ui", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == "/ui/"
    assert api.get("/ui").text == INDEX


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("assets/app-3f9c1b.js", "text/javascript; charset=utf-8", SCRIPT),
        ("assets/style-77aa01.css", "text/css; charset=utf-8", "body { margin: 0 }\n"),
        ("assets/logo-0b1c2d.svg", "image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_hashed_assets_are_cached_for_good_with_their_type(
    api: TestClient, path: str, content_type: str, body: str
) -> None:
    answer = api.get(f"/ui/{path}")
    assert answer.status_code == 200 and answer.text == body
    assert answer.headers["content-type"] == content_type
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert_secured(answer)


def test_a_file_beside_the_page_is_served_and_revalidated(api: TestClient) -> None:
    answer = api.get("/ui/favicon.svg")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"] == "no-cache"


def test_head_answers_like_get_without_a_body(api: TestClient) -> None:
    answer = api.head("/ui/assets/app-3f9c1b.js")
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["content-length"] == str(len(SCRIPT))


@pytest.mark.parametrize(
    "path",
    [
        "assets/app-000000.js",  # a bundle of an older build
        "assets/",  # no listing
        "assets",
        "assets/.hidden",  # a dot file
        "assets/out.txt",  # a symlink out of the build
        "nothing.png",
    ],
)
def test_what_the_build_does_not_hold_is_a_404_in_the_error_shape(
    api: TestClient, path: str
) -> None:
    answer = api.get(f"/ui/{path}")
    assert answer.status_code == 404
    body = answer.json()
    assert set(body) == {"error", "detail"} and body["error"] == "not_found"
    assert SECRET.strip() not in answer.text
    assert_secured(answer)


def test_a_view_address_the_browser_navigates_to_is_the_page(api: TestClient) -> None:
    """A reloaded or bookmarked view (``/ui/symbol/BRK.B``) is the page, which reads its
    own address; a script or an image asking for it gets the 404."""
    navigation = api.get("/ui/symbol/BRK.B", headers={"Accept": "text/html,*/*;q=0.8"})
    assert navigation.status_code == 200 and navigation.text == INDEX
    assert api.get("/ui/symbol/BRK.B", headers={"Accept": "*/*"}).status_code == 404


def test_the_dashboard_is_not_in_the_openapi_document(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/ui")]


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """A GET of ``target`` exactly as written (HTTP clients remove ``..`` segments)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received.partition(b"\r\n\r\n")[2]


TRAVERSALS = [
    "/ui/assets/../../secret.txt",
    "/ui/../secret.txt",
    "/ui/assets/..%2f..%2fsecret.txt",
    "/ui/assets/%2e%2e/%2e%2e/secret.txt",
    "/ui/%2e%2e%2fsecret.txt",
    "/ui/assets/..\\..\\secret.txt",
    "/ui//etc/passwd",
    "/ui/assets//etc/passwd",
    "/ui/assets/app-3f9c1b.js%00.png",
    "/ui/assets/out.txt",
]


def test_no_path_leaves_the_build_over_a_real_socket(tmp_path: Path, build: Path) -> None:
    with serving(container_for(tmp_path, build)) as base:
        assert raw_get(base, "/ui/assets/app-3f9c1b.js") == (200, SCRIPT.encode())
        for target in TRAVERSALS:
            status, body = raw_get(base, target)
            assert status in (400, 404), (target, status)
            assert SECRET.strip().encode() not in body and b"root:" not in body, target


def test_an_unbuilt_dashboard_is_a_503_naming_the_build_command_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "never_built"
    with caplog.at_level(logging.WARNING, logger="chronox_entrypoints.api.ui"):
        app = create_app(container_for(tmp_path, empty))
    said = [r.getMessage() for r in caplog.records if r.name == "chronox_entrypoints.api.ui"]
    assert len(said) == 1 and ui.BUILD_COMMAND in said[0]
    with TestClient(app) as client:
        caplog.clear()
        page = client.get("/ui/")
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "npm --prefix web ci &amp;&amp; npm --prefix web run build" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert_secured(page)
        assert client.get("/ui/assets/app-3f9c1b.js").status_code == 404
        assert not [r for r in caplog.records if r.name == "chronox_entrypoints.api.ui"]
        # Built while the server runs: served at the next load, without a restart.
        (empty / "assets").mkdir(parents=True)
        (empty / "index.html").write_text(INDEX)
        assert client.get("/ui/").text == INDEX


def test_the_monitors_server_leaves_the_unbuilt_dashboard_unsaid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="chronox_entrypoints.api.ui"):
        app = create_app(container_for(tmp_path, tmp_path / "never_built"), announce_ui=False)
    assert not [r for r in caplog.records if r.name == "chronox_entrypoints.api.ui"]
    with TestClient(app) as client:
        assert client.get("/ui/").status_code == 503


def test_the_default_build_is_the_packages_own() -> None:
    assert ui.assets_directory("") == Path(ui.__file__).resolve().parent / "ui_assets"
    assert ui.assets_directory(" ") == ui.PACKAGED


def test_the_ui_module_serves_files_and_imports_no_service() -> None:
    """It imports the web framework and the standard library only: nothing of chronox
    (no service, store or container), so the page can read nothing but the API."""
    tree = ast.parse(Path(ui.__file__).read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
        )
        if name != "__future__"
    }
    assert imported - sys.stdlib_module_names <= {"fastapi", "starlette"}, imported
