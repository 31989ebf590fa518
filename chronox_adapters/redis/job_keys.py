"""Where the job queue keeps its jobs in Redis, and how it reads them back.

Keys (all under ``prefix``): ``job:{id}`` a hash per job (the source of truth for its
state), ``jobs:created`` a sorted set of ids by creation time, ``jobs`` the stream
whose messages (``job`` = id) hand jobs to workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import redis

from chronox_adapters.redis.job_records import Fields


@dataclass(frozen=True, slots=True)
class JobKeys:
    prefix: str

    @property
    def stream(self) -> str:
        return f"{self.prefix}jobs"

    @property
    def index(self) -> str:
        return f"{self.prefix}jobs:created"

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"


def connect(url: str, read_timeout: float = 10.0) -> redis.Redis:
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=5.0, socket_timeout=read_timeout
    )


def hash_of(client: redis.Redis, key: str) -> Fields:
    """The fields of hash ``key`` ({} when there is none, None when the key holds
    something else)."""
    try:
        answer: object = client.hgetall(key)
    except redis.ResponseError as exc:
        answer = exc
    return fields_of(answer)


def fields_of(answer: object) -> Fields:
    """One HGETALL answer, or the error in its place (a pipeline run with
    ``raise_on_error=False``): read as :func:`hash_of` says."""
    if isinstance(answer, redis.ResponseError):
        if "WRONGTYPE" not in str(answer):
            raise answer
        return None
    return texts(cast(Mapping[Any, Any], answer))


def texts(mapping: Mapping[Any, Any]) -> dict[str, str]:
    return {text(k): text(v) for k, v in mapping.items()}


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
