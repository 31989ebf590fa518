"""Authentication that cannot be switched off by accident, a token checked before any
body is read, a bounded body, and secrets kept out of what jobs report.

TestClient against ``create_app`` on SQLite, and a real ``chronox-cli serve`` for what
only a real server shows (a refused start-up, a chunked body over a real socket)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from chronox_domain.errors import InvalidInput
from chronox_domain.jobs import JobSpec
from chronox_domain.redaction import redact
from chronox_entrypoints.api import create_app
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings
from tests.served import free_port, wait_until_up

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_ENVIRONMENT = (
    "CHRONOX_STORE",
    "CHRONOX_SOURCE",
    "CHRONOX_REDIS_URL",
    "CHRONOX_API_TOKEN",
    "CHRONOX_API_AUTH_READS",
    "CHRONOX_API_MAX_BODY_BYTES",
    "POLYGON_API_KEY",
    "MASSIVE_API_KEY",
)


@pytest.fixture
def settings_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings over a throwaway SQLite store, nothing taken from the environment."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    def make(**fields: object) -> Settings:
        return Settings(store=f"sqlite:///{tmp_path / 'store.sqlite3'}", **fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def guarded(settings_of: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(Container(settings=settings_of(api_token=TOKEN)))) as client:
        yield client


# -- the token -------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "   ", "\t\n"])
def test_an_empty_token_is_refused_when_the_app_is_made(
    settings_of: Callable[..., Settings], token: str
) -> None:
    with pytest.raises(InvalidInput, match="CHRONOX_API_TOKEN is set but empty"):
        create_app(Container(settings=settings_of(api_token=token)))


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer   ",
        TOKEN,  # no scheme: not a bearer token
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
    ],
)
def test_only_the_exact_bearer_token_passes(guarded: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = guarded.post("/symbols", json={"symbol": "SPY"}, headers=headers)
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert guarded.post("/backfill", json={}, headers=headers).status_code == 401
    assert guarded.get("/symbols", headers=AUTH).json()["symbols"] == []


def test_the_token_is_read_without_its_surrounding_blanks(
    settings_of: Callable[..., Settings],
) -> None:
    """A token copied into a .env file with a trailing blank still works, and the scheme
    is case-insensitive (RFC 9110)."""
    with TestClient(create_app(Container(settings=settings_of(api_token=f" {TOKEN} ")))) as api:
        headers = {"Authorization": f"bearer {TOKEN}"}
        assert api.post("/symbols", json={"symbol": "SPY"}, headers=headers).status_code == 201


@pytest.mark.parametrize(
    "body",
    [b"{garbage", b"x" * 10_000_000, b'{"symbol": 12}'],
    ids=["garbage", "10MB", "schema-invalid"],
)
def test_an_anonymous_body_is_refused_before_it_is_read(guarded: TestClient, body: bytes) -> None:
    """401, not 413 (too large) or 422 (unparseable): the token comes first."""
    for path in ("/symbols", "/backfill"):
        answer = guarded.post(path, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"] == "unauthorized"


def test_an_anonymous_chunked_body_is_never_read(guarded: TestClient) -> None:
    """The middleware answers without asking for the body: the generator is not drained."""
    pulled = 0

    def chunks() -> Iterator[bytes]:
        nonlocal pulled
        for _ in range(10_000):
            pulled += 1
            yield b"x" * 65_536

    answer = guarded.post("/symbols", content=chunks())
    assert answer.status_code == 401
    # TestClient hands the app the body as it reads it: it asked for at most one chunk.
    assert pulled <= 2


# -- the body limit --------------------------------------------------------------------


def test_a_body_past_the_limit_is_a_413_by_its_length(guarded: TestClient) -> None:
    answer = guarded.post("/symbols", content=b" " * 65_537, headers=AUTH)
    assert answer.status_code == 413
    assert answer.json() == {
        "error": "payload_too_large",
        "detail": "a request body may hold at most 65536 bytes",
    }
    fits = b'{"symbol": "SPY"}' + b" " * (65_536 - 17)
    headers = {**AUTH, "Content-Type": "application/json"}
    assert guarded.post("/symbols", content=fits, headers=headers).status_code == 201


def test_a_chunked_body_is_cut_once_it_passes_the_limit(
    settings_of: Callable[..., Settings],
) -> None:
    """No Content-Length: the bytes are counted as they arrive. Driven at the ASGI level,
    because TestClient reads a whole body before handing the app its first message."""
    app = create_app(Container(settings=settings_of(api_token=TOKEN, api_max_body_bytes=1_000)))
    pulled, answers = 0, []

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * 400, "more_body": pulled < 10_000}

    async def send(message: dict[str, object]) -> None:
        answers.append(message)

    headers = [(b"authorization", f"Bearer {TOKEN}".encode()), (b"transfer-encoding", b"chunked")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/symbols", "raw_path": b"/symbols", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }  # fmt: skip
    anyio.run(app, scope, receive, send)
    assert pulled == 3  # the third chunk passes 1,000 bytes; nothing after it is asked for
    (start, body) = answers
    assert start["status"] == 413 and b'"payload_too_large"' in body["body"]  # type: ignore[operator]


def test_a_chunked_body_past_the_limit_is_a_413(guarded: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield from (b" " * 30_000 for _ in range(3))

    answer = guarded.post("/symbols", content=chunks(), headers=AUTH)
    assert answer.status_code == 413 and answer.json()["error"] == "payload_too_large"
    assert guarded.get("/symbols", headers=AUTH).json()["symbols"] == []


# -- secrets in job errors -------------------------------------------------------------

VENDOR_KEY = "VendorKey0123456789"


def _failing_job(
    spec: JobSpec, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> dict[str, int]:
    """A job whose failure quotes everything a careless vendor or driver might."""
    raise RuntimeError(
        f"GET https://api.massive.com/v2/aggs?apiKey={VENDOR_KEY}&limit=50000 failed; "
        f"sent Authorization: Bearer {TOKEN}; the key {VENDOR_KEY} is unknown; "
        "store postgresql://chronox:hunter2@db:5432/chronox is down"
    )


@pytest.mark.parametrize("auth_reads", [False, True])
def test_job_errors_are_redacted_whatever_the_auth_setting(
    settings_of: Callable[..., Settings], auth_reads: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLYGON_API_KEY", VENDOR_KEY)
    settings = settings_of(api_token=TOKEN, api_auth_reads=auth_reads, source="synthetic")
    assert settings.polygon_api_key is not None
    container = Container(settings=settings)
    container.job_runner.override(providers.Object(_failing_job))
    with TestClient(create_app(container)) as api:
        api.post("/symbols", json={"symbol": "SPY"}, headers=AUTH)
        (job,) = api.post("/backfill", json={"symbols": ["SPY"]}, headers=AUTH).json()
        deadline = time.monotonic() + 30
        while (found := api.get(f"/jobs/{job['id']}", headers=AUTH).json())["state"] != "failed":
            assert time.monotonic() < deadline, found
            time.sleep(0.02)
        listed = api.get("/jobs", headers=AUTH)
        for text in (str(found["error"]), listed.text):
            assert VENDOR_KEY not in text and TOKEN not in text and "hunter2" not in text
        assert "apiKey=***" in found["error"] and "Bearer ***" in found["error"]
        assert "postgresql://chronox:***@db:5432" in found["error"]


def test_redact_masks_credentials_and_the_secrets_it_is_given() -> None:
    text = (
        "Authorization: bearer abc.def-ghi, https://x.example/?api_key=K1&x=1 "
        "token: 'T2' password=P3; redis://:pw4@host:6379/0 amqp://me:pw5@mq and MYSECRET"
    )
    masked = redact(text, ["MYSECRET", "", "  ", None])
    for secret in ("abc.def-ghi", "K1", "T2", "P3", "pw4", "pw5", "MYSECRET"):
        assert secret not in masked
    assert "&x=1" in masked and "redis://:***@host:6379/0" in masked
    assert "amqp://me:***@mq" in masked and "bearer ***" in masked
    assert redact(masked, ["MYSECRET"]) == masked  # twice changes nothing
    assert redact("plain text, https://host/path?symbol=SPY") == (
        "plain text, https://host/path?symbol=SPY"
    )


# -- a real server ---------------------------------------------------------------------


def _serve(tmp_path: Path, host: str, port: int, **env: str) -> subprocess.Popen[str]:
    """``chronox-cli serve`` on ``host``, with an environment of ``env`` alone."""
    environment = {k: v for k, v in os.environ.items() if k not in _ENVIRONMENT}
    environment.update(CHRONOX_STORE=f"sqlite:///{tmp_path / 'api.sqlite3'}", **env)
    command = [sys.executable, "-m", "chronox_entrypoints.cli.main", "serve"]
    return subprocess.Popen(
        [*command, "--host", host, "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
@pytest.mark.parametrize("token", ["", "  "])
def test_serve_refuses_an_empty_token_in_one_line(tmp_path: Path, host: str, token: str) -> None:
    server = _serve(tmp_path, host, free_port(), CHRONOX_API_TOKEN=token)
    try:
        _, err = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 2
    assert err.strip().startswith("error: CHRONOX_API_TOKEN is set but empty"), err
    assert len(err.strip().splitlines()) == 1


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [(f"Bearer {TOKEN}", 413, "payload_too_large"), ("", 401, "unauthorized")],
    ids=["with-token", "anonymous"],
)
def test_a_200mb_chunked_body_is_cut_early_with_bounded_memory(
    tmp_path: Path, authorization: str, status: int, code: str
) -> None:
    port = free_port()
    # Reads open (mutations still guarded): wait_until_up asks /health without a token.
    env = {"CHRONOX_API_TOKEN": TOKEN, "CHRONOX_API_AUTH_READS": "false"}
    server = _serve(tmp_path, "0.0.0.0", port, **env)
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}")
        before = _rss_kib(server.pid)
        sent, answer = _post_chunked(port, authorization, total=200 * 2**20)
        grown = _rss_kib(server.pid) - before
        assert answer.startswith(f"HTTP/1.1 {status}".encode()), answer[:200]
        assert f'"error":"{code}"'.encode() in answer
        # Loopback socket buffers take a few MB before the server's answer is seen.
        assert sent < 16 * 2**20, f"sent {sent} bytes before the server refused"
        assert grown < 20 * 1024, f"the server grew by {grown} KiB"
        # The server still answers (an authenticated small body passes).
        created = httpx.post(f"http://127.0.0.1:{port}/symbols", json={"symbol": "SPY"},
                             headers=AUTH, timeout=10)  # fmt: skip
        assert created.status_code == 201
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        finally:
            server.kill()


def _post_chunked(port: int, authorization: str, total: int) -> tuple[int, bytes]:
    """POST ``total`` bytes as chunks of 64 KiB, stopping at the server's first answer
    (or its close); how many bytes went out, and the answer."""
    head = (
        "POST /symbols HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (f"Authorization: {authorization}\r\n" if authorization else "")
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"10000\r\n" + b" " * 65_536 + b"\r\n"
    pending = memoryview(chunk)
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(head.encode())
        while sent < total:
            readable, writable, _ = select.select([client], [client], [], 10)
            if readable or not writable:
                break
            try:
                written = client.send(pending)
            except OSError:  # reset or broken pipe: the server closed on us
                break
            sent, pending = sent + written, pending[written:] or memoryview(chunk)
        try:
            while not answer.endswith(b"}") and (part := client.recv(65_536)):
                answer += part
        except OSError:
            pass
    return sent, answer


def test_livez_answers_without_the_token_and_tells_nothing(
    settings_of: Callable[..., Settings],
) -> None:
    # A liveness probe cannot send a token, and /health (guarded) names the store, the
    # bus and the vendor. /livez says the process serves, and nothing more, even with
    # the store and Redis both down and their URLs holding passwords.
    fields = settings_of(api_token=TOKEN, redis_url="redis://:hunter3@127.0.0.1:1/0")
    settings = fields.model_copy(update={"store": "postgresql://chronox:hunter2@127.0.0.1:1/x"})
    with TestClient(create_app(Container(settings=settings))) as api:
        live = api.get("/livez")
        assert api.get("/health").status_code == 401
        health = api.get("/health", headers=AUTH).json()
    assert live.status_code == 200 and live.json() == {"status": "ok"}, live.text
    assert health["status"] == "degraded"  # the details stay behind the token
    for word in ("127.0.0.1", "hunter", "postgresql", "redis", "sqlite", "unavailable"):
        assert word not in live.text.lower()
