"""The HTTP plumbing around :class:`RestApi`: a threaded stdlib server on loopback."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.polygon_stub.log import RequestLog, RequestRecord
from tests.polygon_stub.rest import Reply, RestApi

#: How long ``stop()`` waits for request threads (a hang fault is cut short by stop).
_JOIN_SECONDS = 2.0


class _Server(ThreadingHTTPServer):
    """Tracks its request threads and sockets, so that ``stop()`` can end them all."""

    daemon_threads = True

    def __init__(self, api: RestApi, log: RequestLog) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.log = log
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._live: dict[threading.Thread, socket.socket] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="polygon-stub-rest",
            daemon=True,
        )
        with self._lock:
            self._live[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._live.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout against the hang fault) is not an error here.
        if not (self.stopping.is_set() or isinstance(sys.exc_info()[1], ConnectionError)):
            super().handle_error(request, client_address)

    def end_connections(self) -> None:
        with self._lock:
            live = dict(self._live)
        for sock in live.values():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + _JOIN_SECONDS
        for thread in live:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the vendor and urllib3 expect
    timeout = 10  # an idle kept-alive connection ends on its own
    # TCP_NODELAY: the headers and the body go out as two writes, and Nagle's algorithm
    # held the body until the client's delayed ACK of the headers (~40 ms a request).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        arrived, wall = time.monotonic(), time.time()
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.api.answer(url.path, query, headers)
        # Each request waits in its own thread: concurrent requests wait at once.
        delay = reply.delay + self.server.api.answer_time
        if delay and self.server.stopping.wait(delay):
            self.close_connection = True  # stopping: the hung request is never answered
            return
        # Logged before the answer goes out, so a client that has its answer sees it.
        record = RequestRecord("GET", url.path, query, reply.status, arrived, reply.fault, wall)
        self.server.log.add(record)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is the record; stderr noise helps nobody


class RestServer:
    """Serves ``api`` on a free loopback port, from a daemon thread."""

    def __init__(self, api: RestApi, log: RequestLog) -> None:
        self._api = api
        self._log = log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving; the base URL (``http://127.0.0.1:PORT``)."""
        self._server = _Server(self._api, self._log)
        port = self._server.server_address[1]
        self._api.base_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="polygon-stub-http",
            daemon=True,
        )
        self._thread.start()
        return self._api.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        server.end_connections()
        thread.join(_JOIN_SECONDS)
        self._server = self._thread = None
