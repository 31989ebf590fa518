"""Checks on a Redis server before work is trusted to it: can it be reached at all, and
would queued jobs survive its restart."""

from __future__ import annotations

import logging
import threading
import weakref
from urllib.parse import urlsplit

import redis

from chronox_adapters.redis.publisher import describe
from chronox_domain.errors import SourceUnavailable
from chronox_domain.jobs import failure_text

log = logging.getLogger(__name__)

#: The clients already checked: each warns at most once (once per command run).
_checked: weakref.WeakSet[redis.Redis] = weakref.WeakSet()
_warned_lock = threading.Lock()


def where(url: str) -> str:
    """``redis://host:port`` (or ``unix:///path``): the server, without a password."""
    scheme = urlsplit(url).scheme or "redis"
    address = describe(url)
    return f"unix://{address}" if scheme == "unix" else f"{scheme}://{address}"


def unreachable(text: str) -> SourceUnavailable:
    """The one error for a Redis server that cannot be reached, from every Redis adapter
    (the event bus, the job queue, the shared rate limit): ``SourceUnavailable``, so the
    CLI exits 3 and the API answers 503 ``source_unavailable`` whichever command met it.

    Not ``StorageUnavailable`` (exit 4): 4 means the bar store (SQLite, PostgreSQL), the
    one place chronox keeps what it fetched, and sends an operator to the database.
    Redis is a service chronox works through, as it works through the vendor: where the
    events and the queued work come from, and whose loss is survivable (the publisher
    buffers, workers retry, a subscriber replays when it reconnects). And the API's
    live clients (``chronox_api.live``, the monitor) reconnect on ``source_unavailable``:
    a Redis outage must read the same on every route for them to ride it out."""
    return SourceUnavailable(text)


def ensure_reachable(client: redis.Redis, url: str) -> None:
    """One PING; :func:`unreachable` in one line when the server does not answer."""
    try:
        client.ping()
    except redis.RedisError as exc:
        raise unreachable(f"Redis at {where(url)} is unreachable: {failure_text(exc)}") from None


def volatility(client: redis.Redis) -> str | None:
    """What a restart of the server would lose, or None when it keeps an append-only
    file (or cannot be asked: managed services often disable CONFIG)."""
    try:
        appendonly = client.config_get("appendonly").get("appendonly")
        save = client.config_get("save").get("save")
    except redis.ResponseError:  # CONFIG disabled, renamed or not allowed to this user
        return None
    if _text(appendonly).lower() == "yes":
        return None
    if _text(save).strip():
        return (
            f"it keeps only snapshots (appendonly no, save {_text(save)!r}): jobs queued "
            "since the last snapshot would be lost if it restarts"
        )
    return (
        "it keeps nothing on disk (appendonly no, save ''): queued jobs would be lost if "
        "it restarts"
    )


def check_job_server(url: str) -> None:
    """Before a worker starts: the server answers (else :func:`unreachable`), and a
    warning if it would lose queued jobs on restart."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5.0, socket_timeout=5.0)
    try:
        ensure_reachable(client, url)
        warn_if_volatile(client)
    finally:
        client.close()


def warn_if_volatile(client: redis.Redis) -> None:
    """Warn (once per client) when queued jobs would not survive a restart of the
    server. Never raises: a server that cannot be reached fails elsewhere, clearly."""
    with _warned_lock:
        if client in _checked:
            return
        _checked.add(client)
    try:
        problem = volatility(client)
    except redis.RedisError:
        return
    if problem:
        log.warning(
            "Redis at %s is not durable for the job queue: %s; set `appendonly yes` "
            "(see README, Redis)",
            _address(client),
            problem,
        )


def _address(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
