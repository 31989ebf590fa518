"""What the S3 server was asked: one record per request, in arrival order."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

#: S3's operation for (method, whether the request names a key, a distinguishing query
#: parameter); enough to read a log, not a router.
_OPERATIONS: dict[tuple[str, bool], str] = {
    ("GET", True): "GetObject",
    ("HEAD", True): "HeadObject",
    ("PUT", True): "PutObject",
    ("DELETE", True): "DeleteObject",
    ("GET", False): "ListObjects",
    ("HEAD", False): "HeadBucket",
    ("PUT", False): "CreateBucket",
    ("DELETE", False): "DeleteBucket",
}


def operation_of(method: str, key: str | None, query: dict[str, str]) -> str:
    """S3's name for a request: ``GetObject``, ``HeadObject``, ``ListObjectsV2``..."""
    name = _OPERATIONS.get((method, key is not None), f"{method} {'object' if key else 'bucket'}")
    if name == "ListObjects" and query.get("list-type") == "2":
        return "ListObjectsV2"
    if name == "ListObjects" and "location" in query:
        return "GetBucketLocation"
    return name


@dataclass(frozen=True, slots=True)
class S3Request:
    """One request as the server saw it.

    ``key`` is None for bucket-level requests (a listing: its ``prefix`` is in
    ``query``). ``range`` is the ``Range`` header of a ranged GET (boto3's managed
    download splits a large object into ranged GETs). ``denied`` says the stub answered
    it with 403 itself (a denied key, an unpublished day, a wrong access key), not moto.
    """

    method: str
    bucket: str | None
    key: str | None
    query: dict[str, str]
    status: int
    operation: str
    range: str | None = None
    denied: bool = False
    at: float = field(default_factory=time.monotonic)

    @property
    def is_download(self) -> bool:
        """A GET of an object's bytes (whatever it was answered)."""
        return self.operation == "GetObject"


class RequestLog:
    """Thread-safe list of :class:`S3Request` (the server answers in many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[S3Request] = []

    def add(self, record: S3Request) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[S3Request]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
