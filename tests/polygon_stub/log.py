"""The request log: what reached the REST server, in arrival order."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

AGGS_PREFIX = "/v2/aggs/"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int
    #: ``time.monotonic()`` when the request arrived.
    at: float
    #: The fault that spoiled it (a ``FaultKind`` value: ``"rate_limit"``,
    #: ``"rate_limit_for"``, ``"quota"``, ``"server_error"``...), or None.
    fault: str | None = field(default=None)
    #: ``time.time()`` when the request arrived (the quota's windows are wall-clock).
    wall: float = field(default=0.0)

    @property
    def is_aggs(self) -> bool:
        return self.path.startswith(AGGS_PREFIX)

    @property
    def is_rate_limited(self) -> bool:
        """Answered 429: a request the client wasted, whatever the reason."""
        return self.status == 429


class RequestLog:
    """Records are added when a request is answered but kept sorted by arrival.

    A hung request that ``stop()`` cut short was never answered, and is not recorded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            bisect.insort(self._records, record, key=lambda r: r.at)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
