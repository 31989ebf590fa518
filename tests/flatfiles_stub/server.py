"""A real S3-protocol server on loopback: moto's, behind a thin WSGI layer of the vendor's
manners (a 403 that does not say why, keys of its own, a log of what was asked).

moto's ``ThreadedMotoServer`` builds its WSGI app inside its thread with no hook for
middleware, so :class:`_MotoServer` repeats its ten-line entry point with the app wrapped
by :class:`_VendorManners` and werkzeug's request lines silenced.
"""

from __future__ import annotations

import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import boto3
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.flatfiles_stub.log import RequestLog, S3Request, operation_of

#: The vendor's bucket (https://massive.com/knowledge-base/article/how-to-get-started-with-s3).
BUCKET = "flatfiles"
#: The stub's own client says so in its User-Agent: its requests (putting and deleting
#: day files) are neither logged nor refused, so a test's log holds only chronox's.
_OWNER_MARK = "chronox-flatfiles-stub-owner"
_REGION = "us-east-1"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def error_body(code: str, message: str, resource: str) -> bytes:
    """S3's error document (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).

    The vendor documents no body of its own for a 403; its endpoint is S3-compatible and
    "everything else works the way S3 normally does" (the getting-started article), so
    the stub answers S3's ``AccessDenied`` document, which names no reason.
    """
    request_id = uuid.uuid4().hex[:16].upper()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<Resource>{resource}</Resource><RequestId>{request_id}</RequestId>"
        f"<HostId>{request_id}</HostId></Error>"
    ).encode()


class _VendorManners:
    """WSGI middleware around moto's app: checks the access key id, refuses denied keys,
    answers an absent object as the vendor does (403 by default, not S3's 404), and logs
    every request but the stub's own."""

    def __init__(self, app: WsgiApp, access_key_id: str, log: RequestLog) -> None:
        self._app = app
        self._access_key_id = access_key_id
        self._log = log
        self._lock = threading.Lock()
        self._denied: set[str] = set()
        self.unpublished_status = 403

    def deny(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._denied.update(keys)

    def allow(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._denied.difference_update(keys)

    def is_denied(self, key: str) -> bool:
        with self._lock:
            return key in self._denied

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api") or _OWNER_MARK in environ.get("HTTP_USER_AGENT", ""):
            return self._app(environ, start_response)
        method = environ["REQUEST_METHOD"]
        bucket, key = _bucket_and_key(environ.get("HTTP_HOST", ""), path)
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))

        def record(status: int, denied: bool) -> None:
            self._log.add(
                S3Request(
                    method=method,
                    bucket=bucket,
                    key=key,
                    query=query,
                    status=status,
                    operation=operation_of(method, key, query),
                    range=environ.get("HTTP_RANGE"),
                    denied=denied,
                )
            )

        resource = f"/{bucket}/{key}" if key else f"/{bucket}"
        if _access_key_of(environ, query) != self._access_key_id:
            record(403, True)
            body = error_body(
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                resource,
            )
            return _answer(start_response, 403, body, method)
        if key is not None and method in ("GET", "HEAD") and self.is_denied(key):
            record(403, True)
            return _answer(start_response, 403, _access_denied(resource), method)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None  # moto (Flask) never uses the write callable

        body_iter = self._app(environ, capture)
        status = int(captured["status"].split()[0])
        if (
            status == 404
            and key is not None
            and method in ("GET", "HEAD")
            and self.unpublished_status == 403
        ):
            _close(body_iter)
            record(403, True)
            return _answer(start_response, 403, _access_denied(resource), method)
        record(status, False)
        start_response(captured["status"], captured["headers"], captured["exc_info"])
        return body_iter


def _access_denied(resource: str) -> bytes:
    return error_body("AccessDenied", "Access Denied", resource)


def _answer(start_response: Callable[..., Any], status: int, body: bytes, method: str) -> Any:
    reason = {403: "Forbidden"}.get(status, "Error")
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reason}", headers)
    return [] if method == "HEAD" else [body]


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _bucket_and_key(host: str, path: str) -> tuple[str | None, str | None]:
    """Path style (``/flatfiles/us_stocks_sip/...``) or virtual-hosted style
    (``flatfiles.localhost``)."""
    hostname = host.rsplit(":", 1)[0]
    label, _, rest = hostname.partition(".")
    if rest and label == BUCKET:
        return BUCKET, path.lstrip("/") or None
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0] or None
    key = parts[1] if len(parts) > 1 and parts[1] else None
    return bucket, key


def _access_key_of(environ: dict[str, Any], query: dict[str, str]) -> str | None:
    """The access key id of a SigV4 request (header or presigned query); the signature
    itself is not checked: the stub tests who asks, not cryptography."""
    credential = query.get("X-Amz-Credential")
    if credential is None:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        _, found, rest = authorization.partition("Credential=")
        credential = rest if found else None
    return credential.split("/", 1)[0] if credential else None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _MotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` with its app wrapped (its entry point, repeated)."""

    def __init__(self, wrap: Callable[[WsgiApp], WsgiApp]) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self._wrap = wrap

    def _server_entry(self) -> None:
        app = self._wrap(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, threaded=True, request_handler=_QuietHandler
        )
        self._server_ready_event.set()
        # A short poll: stop() returns within 50 ms instead of moto's 0.5 s.
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()


class S3Server:
    """moto's S3 server on a free loopback port with the bucket ``flatfiles``.

        with S3Server() as s3:
            etag = put_day_file(s3, date(2024, 1, 3), market_day(date(2024, 1, 3), ["SPY"]))
            ...  # chronox reads s3.endpoint with s3.access_key_id / s3.secret_access_key
            assert [r.key for r in s3.requests() if r.is_download] == [...]

    moto keeps its state per process, so one server runs at a time in a process (a
    second ``start()`` raises) and ``start()`` resets moto's state.

    The vendor's manners (each cited in the package docstring):

    - Requests signed with another access key id than ``access_key_id`` get 403
      ``InvalidAccessKeyId`` (keys are the vendor's own, separate from the REST key).
    - ``deny(key, ...)``: GET and HEAD of those keys get 403 ``AccessDenied`` although
      the object may exist (outside the plan's history, not entitled); ``allow`` lifts it.
    - An absent object (a day not yet published) gets 403 ``AccessDenied`` too, as the
      vendor answers; ``unpublished_status = 404`` makes it S3's ``NoSuchKey`` instead.
      A listing never shows it, as the vendor's listing shows only published files.
    - A 403 never says why: the same document whatever the reason.
    """

    bucket = BUCKET

    _running_lock = threading.Lock()
    _running: S3Server | None = None

    def __init__(self) -> None:
        self.access_key_id = "FLATFILESTESTKEY"
        self.secret_access_key = "flat-files-test-secret"
        self._log = RequestLog()
        self._manners: _VendorManners | None = None
        self._server: _MotoServer | None = None
        self._client: Any = None
        self.endpoint = ""

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> S3Server:
        with S3Server._running_lock:
            if S3Server._running is not None:
                raise RuntimeError(
                    "an S3Server already runs in this process (moto's state is per process)"
                )
            S3Server._running = self

        def wrap(app: WsgiApp) -> WsgiApp:
            self._manners = _VendorManners(app, self.access_key_id, self._log)
            return self._manners

        try:
            self._server = _MotoServer(wrap)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.endpoint = f"http://{host}:{port}"
            reset = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
            with urllib.request.urlopen(reset, timeout=10):
                pass
            self._client = self.new_client(owner=True)
            self._client.create_bucket(Bucket=self.bucket)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        with S3Server._running_lock:
            if S3Server._running is self:
                S3Server._running = None

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clients ------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The stub's own boto3 S3 client: its requests are not logged nor refused."""
        if self._client is None:
            raise RuntimeError("S3Server is not started")
        return self._client

    def new_client(self, *, owner: bool = False, access_key_id: str | None = None) -> Any:
        """A boto3 S3 client on this server: as chronox would make one (logged, refused
        like chronox), or with ``owner=True`` like ``client``."""
        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            user_agent_extra=_OWNER_MARK if owner else None,
        )
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name=_REGION,
            config=config,
        )

    # -- the vendor's refusals ----------------------------------------------------------

    def deny(self, *keys: str) -> None:
        """GET/HEAD of these keys answer 403 ``AccessDenied`` until ``allow``."""
        self._require_manners().deny(keys)

    def allow(self, *keys: str) -> None:
        self._require_manners().allow(keys)

    @property
    def unpublished_status(self) -> int:
        """What GET/HEAD of an absent object answer: 403 (the vendor) or 404 (S3)."""
        return self._require_manners().unpublished_status

    @unpublished_status.setter
    def unpublished_status(self, status: int) -> None:
        if status not in (403, 404):
            raise ValueError("unpublished_status is 403 or 404")
        self._require_manners().unpublished_status = status

    # -- the log ------------------------------------------------------------------------

    def requests(self) -> list[S3Request]:
        """Every request but the stub's own, in arrival order."""
        return self._log.records()

    def downloads(self) -> list[S3Request]:
        """The GETs of objects (answered or refused)."""
        return [record for record in self._log.records() if record.is_download]

    def reset_log(self) -> None:
        self._log.clear()

    def _require_manners(self) -> _VendorManners:
        if self._manners is None:
            raise RuntimeError("S3Server is not started")
        return self._manners


def iter_keys(server: S3Server, prefix: str = "") -> Iterator[str]:
    """Every key under ``prefix`` (the stub's own listing, not logged)."""
    paginator = server.client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=server.bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]
