"""Fault switches: what the next requests, or the live feed, will get wrong."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class FaultKind(Enum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    HANG = "hang"
    MALFORMED = "malformed"
    EMPTY_PAGE = "empty_page"
    OUTSIDE_RANGE = "outside_range"
    NULL_RESULTS = "null_results"
    EMPTY_OBJECT = "empty_object"
    WRONG_BASIS = "wrong_basis"
    ECHO_HEADERS = "echo_headers"
    #: Not queued: the time-boxed 429 of ``rate_limit_for`` and the quota's 429.
    RATE_LIMIT_WINDOW = "rate_limit_for"
    QUOTA = "quota"


@dataclass(frozen=True, slots=True)
class Fault:
    """One armed fault; it spoils exactly one aggregates request."""

    kind: FaultKind
    status: int = 200
    #: ``Retry-After`` seconds; None sends no such header (the vendor's way).
    retry_after: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Drop every live connection once ``after`` more aggregate messages have gone out."""

    after: int
    abrupt: bool


class Faults:
    """A queue of faults, one per aggregates request, in the order they were armed.

    Thread-safe: tests arm faults while the servers' threads consume them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._disconnect: Disconnect | None = None
        self._limited_until = 0.0  # time.monotonic()
        self._splits_foreign = False

    def rate_limit(self, count: int, retry_after: int | None = None) -> None:
        """The next ``count`` requests get 429 and the vendor's JSON; a ``Retry-After``
        header only when ``retry_after`` is given (the vendor documents none, and
        massive's urllib3 retry then backs off 0.1 s, 0.2 s, ... instead)."""
        self._arm(Fault(FaultKind.RATE_LIMIT, 429, retry_after=retry_after) for _ in range(count))

    def rate_limit_for(self, seconds: float) -> None:
        """Every aggregates request arriving in the next ``seconds`` (real time, from
        now) gets the vendor's 429, without ``Retry-After``; queued faults wait."""
        with self._lock:
            self._limited_until = time.monotonic() + seconds

    def rate_limited_now(self) -> bool:
        """Whether ``rate_limit_for`` is still in force (the stub's side)."""
        with self._lock:
            return time.monotonic() < self._limited_until

    def server_errors(self, statuses: Iterable[int]) -> None:
        """The next requests get these 5xx statuses, one each, in order."""
        self._arm(Fault(FaultKind.SERVER_ERROR, status) for status in statuses)

    def hang(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` requests wait ``seconds`` before they are answered normally."""
        self._arm(Fault(FaultKind.HANG, seconds=seconds) for _ in range(count))

    def malformed(self, count: int = 1) -> None:
        """The next ``count`` requests get 200 with a truncated, unparseable JSON body."""
        self._arm(Fault(FaultKind.MALFORMED) for _ in range(count))

    def empty_page(self, count: int = 1) -> None:
        """The next ``count`` requests get 200, ``resultsCount: 0`` and no ``results``."""
        self._arm(Fault(FaultKind.EMPTY_PAGE) for _ in range(count))

    def null_results(self, count: int = 1) -> None:
        """The next ``count`` requests get 200 with the whole envelope, counts 0 and
        ``"results": null`` (seen from the vendor: polygon-io/issues#2)."""
        self._arm(Fault(FaultKind.NULL_RESULTS) for _ in range(count))

    def empty_object(self, count: int = 1) -> None:
        """The next ``count`` requests get 200 with the body ``{}`` exactly."""
        self._arm(Fault(FaultKind.EMPTY_OBJECT) for _ in range(count))

    def wrong_basis(self, count: int = 1) -> None:
        """The next ``count`` pages are served on the other price basis than asked, and
        say so in their ``adjusted`` field ("Whether or not this response was adjusted
        for splits", rest.json): an upstream fault a client must not store."""
        self._arm(Fault(FaultKind.WRONG_BASIS) for _ in range(count))

    def echo_headers(self, count: int = 1, status: int = 502) -> None:
        """The next ``count`` requests get ``status`` (4xx or 5xx) with a text body that
        echoes the request line and headers, ``Authorization: Bearer <key>`` included,
        as some proxies do."""
        if not 400 <= status <= 599:
            raise ValueError("status must be a 4xx or 5xx")
        self._arm(Fault(FaultKind.ECHO_HEADERS, status) for _ in range(count))

    def splits_foreign_items(self, on: bool = True) -> None:
        """While on, a splits request for ``ticker=T`` also lists the other tickers'
        splits in ``stub.splits`` (some real answers list a related ticker; a client
        must keep only items whose ``ticker`` is the one it asked for)."""
        with self._lock:
            self._splits_foreign = on

    def splits_foreign(self) -> bool:
        with self._lock:
            return self._splits_foreign

    def outside_range(self, count: int = 1) -> None:
        """The next ``count`` pages also carry a few bars from before ``from`` and after
        ``to``."""
        self._arm(Fault(FaultKind.OUTSIDE_RANGE) for _ in range(count))

    def ws_disconnect_after(self, n_messages: int, abrupt: bool = False) -> None:
        """Drop every live connection right after ``n_messages`` more aggregate messages
        (counted over all connections). Close code 1011, or with ``abrupt`` a TCP close
        with no close frame (the client sees 1006); either way the client gets a
        ``ConnectionClosedError``."""
        if n_messages < 1:
            raise ValueError("n_messages must be at least 1")
        with self._lock:
            self._disconnect = Disconnect(n_messages, abrupt)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._disconnect = None
            self._limited_until = 0.0
            self._splits_foreign = False

    def pending(self) -> int:
        """How many request faults are still armed."""
        with self._lock:
            return len(self._queue)

    def take(self) -> Fault | None:
        """The fault for the request being answered now, if any (the stub's side)."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def count_live_message(self) -> Disconnect | None:
        """Count one aggregate message sent; the disconnect that is now due, if any."""
        with self._lock:
            if self._disconnect is None:
                return None
            due = self._disconnect
            if due.after > 1:
                self._disconnect = Disconnect(due.after - 1, due.abrupt)
                return None
            self._disconnect = None
            return due

    def _arm(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self._queue.extend(faults)
