"""A total deadline for each request to the vendor, over the official client's urllib3.

urllib3's timeouts are per socket operation: its ``total`` caps the connect and sets the
first read's timeout, and every byte that arrives starts the read timeout again. A proxy
that trickles its answer (headers or body, a byte a second) would hold a fetch for ever.
So a request runs inside a :class:`Deadline`: the connections it uses register with it
(the pools' connection class does, per request), and when the deadline passes a timer
shuts their sockets down, which ends the blocked read at once (EOF) in the fetching
thread; the attempt then fails as a timeout, and is retried like one.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

_current = threading.local()


class Deadline:
    """``seconds`` for everything a request does in this thread, from the ``with``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._done = False
        self._lock = threading.Lock()
        self._connections: list[HTTPConnection] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            # Past here the connections may be back in the pool, serving another request.
            self._done = True
            self._connections.clear()
        _current.deadline = None

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            if self._done:
                return
            if self.expired:
                _cut(connection)
            else:
                self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for connection in self._connections:
                _cut(connection)


def _cut(connection: HTTPConnection) -> None:
    """Shut the socket down: a read blocked on it returns at once (close would not)."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _watched(connection: HTTPConnection) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> Any:  # the socket exists by now (connected on send)
        _watched(self)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> Any:
        _watched(self)
        return super().getresponse()


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def watch_deadlines(manager: urllib3.PoolManager) -> None:
    """Make ``manager``'s pools (made from now on) use connections a Deadline sees."""
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
