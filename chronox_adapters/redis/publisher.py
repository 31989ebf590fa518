"""The Redis ``EventPublisher``: pub/sub for listeners, a capped stream for replay.

``publish()`` runs on the ingest's thread, so it only appends to a bounded buffer; a
daemon thread does the talking to Redis, in pipelined chunks, and rides out outages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from chronox_adapters.redis.envelope import (
    STREAM_FIELD,
    SYMBOL_FIELD,
    channel,
    encode,
    stream_key,
)
from chronox_domain.backoff import Backoff, equal_jitter
from chronox_domain.batch import BarBatch
from chronox_domain.errors import InvalidInput, MalformedData, first_line
from chronox_domain.events import BarEvent, events_of
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: Events per pipeline: each is a PUBLISH and an XADD.
CHUNK = 500
#: Events encoded between two offers of the GIL to other threads.
YIELD_EVERY = 100
BACKOFF_FIRST = 0.1
BACKOFF_CAP = 5.0


def describe(url: str) -> str:
    """``host:port`` (or the socket path) of a Redis URL: safe to print, no password."""
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return parts.path or "(no socket path)"
        return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    except ValueError:
        return "(unparsable Redis URL)"


class RedisPublisher:
    """Publishes every bar of a committed batch on ``{prefix}bars:{SYMBOL}:{timeframe}``
    and appends it to the stream ``{prefix}stream:{timeframe}`` (``MAXLEN ~
    stream_maxlen``).

    ``publish()`` never raises and never waits for Redis: it appends the batch's events
    to a buffer of ``buffer_size`` events that a daemon thread drains. While Redis is
    unreachable the thread retries with exponential backoff (capped at 5 s) and the
    buffer fills; a full buffer drops its OLDEST events, counted in ``dropped`` (the
    chunk on its way to Redis is not in the buffer: ``pending`` counts it too).
    Counters (read them from any thread): ``published``, ``dropped``, ``reconnects``
    (outages survived). Nothing connects before the first batch; call ``close()`` at
    shutdown.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "",
        stream_maxlen: int = 10_000,
        buffer_size: int = 100_000,
    ) -> None:
        if stream_maxlen < 1 or buffer_size < 1:
            raise InvalidInput("stream_maxlen and buffer_size must be positive")
        self.address = describe(url)
        # Retries are the drainer's business (with backoff), not the client's. Building
        # the client checks the URL; it connects on the first command, in the drainer.
        try:
            self._client = redis.Redis.from_url(
                url,
                socket_connect_timeout=2.0,
                socket_timeout=5.0,
                retry=Retry(NoBackoff(), 0),
            )
        except ValueError as exc:
            raise InvalidInput(f"malformed Redis URL for {self.address}: {exc}") from None
        self.prefix = prefix
        self.stream_maxlen = stream_maxlen
        self.buffer_size = buffer_size
        self.published = 0
        self.dropped = 0
        self.reconnects = 0
        self._wire = _Wire(prefix, stream_maxlen)
        self._buffer: deque[BarEvent] = deque()
        self._in_flight = 0
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        # Outage bookkeeping, so the log says each thing once.
        self._failing_since: float | None = None
        self._warned_drop = False
        self._dropped_at_outage = 0

    def __repr__(self) -> str:
        return f"RedisPublisher({self.address}, prefix={self.prefix!r})"

    def __enter__(self) -> RedisPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def buffered(self) -> int:
        """Events waiting in the buffer: never more than ``buffer_size``."""
        with self._changed:
            return len(self._buffer)

    @property
    def pending(self) -> int:
        """Events not yet delivered: the buffered ones plus the chunk being sent."""
        with self._changed:
            return len(self._buffer) + self._in_flight

    def health(self) -> str:
        """A PING now, with the buffer's state: a status page's answer."""
        try:
            self._client.ping()
        except redis.RedisError as exc:
            return f"redis at {self.address} unavailable: {first_line(exc)}"
        return f"redis at {self.address}: ok ({self.buffered} buffered, {self.dropped} dropped)"

    def publish(self, batch: BarBatch) -> None:
        try:
            events = events_of(batch)
            with self._changed:
                if self._closed:
                    self._drop(len(events), "the publisher is closed")
                    return
                overflow = len(self._buffer) + len(events) - self.buffer_size
                if overflow > 0:
                    for _ in range(min(overflow, len(self._buffer))):
                        self._buffer.popleft()
                    self._drop(overflow, "the event buffer is full")
                self._buffer.extend(events[-self.buffer_size :])
                self._changed.notify()
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._drain, name="chronox-redis-publisher", daemon=True
                    )
                    self._thread.start()
        except Exception:  # publishing must never fail an ingest
            log.exception("could not queue bar events for Redis")

    def flush(self, timeout: float) -> bool:
        """Wait until every buffered event was delivered (True) or ``timeout`` passed."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._buffer and not self._in_flight, timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what can be delivered within ``timeout``, then stop the thread.

        Events still buffered then are counted as dropped.
        """
        with self._changed:
            if self._closed:
                return
            self._closed = True
        delivered = self.flush(timeout)
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(max(timeout, 0.5))
        with self._changed:
            left = len(self._buffer)
            self._buffer.clear()
            if left:
                self._drop(left, "the publisher closed before Redis took them")
        if not delivered:
            log.warning(
                "Redis publisher for %s closed with %d undelivered bar events",
                self.address, left,
            )  # fmt: skip

    # --- the drainer thread ------------------------------------------------------------

    def _drop(self, count: int, why: str) -> None:
        """Count ``count`` lost events (the lock is held); warn once per outage."""
        self.dropped += count
        if not self._warned_drop:
            self._warned_drop = True
            log.warning(
                "dropping the oldest bar events for Redis at %s: %s (%d dropped so far, "
                "buffer of %d events)",
                self.address, why, self.dropped, self.buffer_size,
            )  # fmt: skip

    def _drain(self) -> None:
        failures = 0
        while True:
            with self._changed:
                while not self._buffer and not self._stopping.is_set():
                    self._changed.wait()
                if self._stopping.is_set():
                    break
                chunk = [self._buffer.popleft() for _ in range(min(CHUNK, len(self._buffer)))]
                self._in_flight = len(chunk)
            try:
                unencodable = self._send(chunk)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                self._requeue(chunk)
                failures += 1
                self._failed(exc)
                self._stopping.wait(_backoff(failures))
                continue
            except Exception:  # a refused command or a bug: retrying cannot help
                log.exception("Redis publisher: a chunk of %d bar events was lost", len(chunk))
                with self._changed:
                    self._in_flight = 0
                    self.dropped += len(chunk)
                    self._changed.notify_all()
                continue
            with self._changed:
                self.published += len(chunk) - unencodable
                self.dropped += unencodable
                self._in_flight = 0
                if failures:
                    self.reconnects += 1
                self._resumed()
                self._changed.notify_all()
            failures = 0
        self._client.close()

    def _send(self, chunk: list[BarEvent]) -> int:
        """Send ``chunk`` as one pipeline and read every reply; returns how many events
        could not be encoded. A refused command raises after all replies were read."""
        data, replies, unencodable = self._wire.pack(chunk)
        if not replies:
            return unencodable
        pool = self._client.connection_pool
        connection = pool.get_connection()
        refused: redis.ResponseError | None = None
        try:
            connection.send_packed_command([data], check_health=False)  # type: ignore[no-untyped-call]
            for _ in range(replies):
                try:
                    connection.read_response()
                except redis.ResponseError as exc:
                    refused = refused or exc
        except BaseException:
            # A reply left unread would answer the connection's next command.
            connection.disconnect()  # type: ignore[no-untyped-call]
            raise
        finally:
            pool.release(connection)
        if refused is not None:
            raise refused
        return unencodable

    def _requeue(self, chunk: list[BarEvent]) -> None:
        """Put an undelivered chunk back in front of the buffer, as far as it fits.

        A pipeline cut short may have delivered part of the chunk already: those events
        go out twice, identical, which is harmless to a subscriber that upserts.
        """
        with self._changed:
            self._in_flight = 0
            room = self.buffer_size - len(self._buffer)
            kept = chunk[len(chunk) - room :] if room < len(chunk) else chunk
            self._buffer.extendleft(reversed(kept))
            if len(kept) < len(chunk):
                self._drop(len(chunk) - len(kept), "the event buffer is full")
            self._changed.notify_all()

    def _failed(self, exc: redis.RedisError) -> None:
        with self._changed:
            if self._failing_since is not None:
                return
            self._failing_since = time.monotonic()
            self._dropped_at_outage = self.dropped
            self._warned_drop = False  # a new outage gets its own warning
        log.info(
            "Redis at %s is unreachable (%s); buffering bar events and retrying",
            self.address, first_line(exc),
        )  # fmt: skip

    def _resumed(self) -> None:
        """After a delivery (the lock is held): end the outage, say so once."""
        if self._failing_since is not None:
            log.info(
                "bar event delivery to Redis at %s resumed after %.1f s (%d events dropped "
                "meanwhile)",
                self.address,
                time.monotonic() - self._failing_since,
                self.dropped - self._dropped_at_outage,
            )
            self._failing_since = None
        if not self._buffer:
            self._warned_drop = False


class _Wire:
    """The RESP bytes of a chunk: per event a PUBLISH and an XADD (MAXLEN ~).

    A hand-made pipeline: redis-py's packs every argument of every command through
    generic code, which made it the publisher's bottleneck; here the constant parts of
    each symbol's two commands are built once and each event adds its envelope.
    """

    def __init__(self, prefix: str, stream_maxlen: int) -> None:
        self._prefix = prefix
        self._maxlen = str(stream_maxlen).encode()
        self._heads: dict[tuple[str, Timeframe], tuple[bytes, bytes]] = {}

    def pack(self, chunk: list[BarEvent]) -> tuple[bytes, int, int]:
        """(the commands, how many replies they get, how many events were skipped)."""
        parts: list[bytes] = []
        skipped = 0
        for number, event in enumerate(chunk, 1):
            if number % YIELD_EVERY == 0:
                # Hand the GIL over: an ingest thread calling publish() would otherwise
                # wait up to the interpreter's switch interval (5 ms) for it.
                time.sleep(0)
            try:
                payload = _bulk(encode(event))
            except MalformedData as exc:  # validated bars never get here
                log.error("Redis publisher: skipped an unencodable event: %s", exc)
                skipped += 1
                continue
            bar = event.bar
            heads = self._heads.get((bar.symbol, bar.timeframe))
            if heads is None:
                heads = self._heads[bar.symbol, bar.timeframe] = self._heads_of(
                    bar.symbol, bar.timeframe
                )
            parts += (heads[0], payload, heads[1], payload)
        return b"".join(parts), 2 * (len(chunk) - skipped), skipped

    def _heads_of(self, symbol: str, timeframe: Timeframe) -> tuple[bytes, bytes]:
        """The two commands of ``symbol``'s events up to the envelope, their last part."""
        publish = (
            b"*3\r\n" + _bulk(b"PUBLISH") + _bulk(channel(self._prefix, symbol, timeframe).encode())
        )
        xadd = b"*10\r\n" + b"".join(
            _bulk(part)
            for part in (
                b"XADD", stream_key(self._prefix, timeframe).encode(), b"MAXLEN", b"~",
                self._maxlen, b"*", SYMBOL_FIELD.encode(), symbol.encode(), STREAM_FIELD.encode(),
            )
        )  # fmt: skip
        return publish, xadd


def _bulk(data: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(data), data)


#: Reconnects: equal jitter, so that many publishers do not retry in step.
_backoff = Backoff(BACKOFF_FIRST, BACKOFF_CAP, equal_jitter).delay

