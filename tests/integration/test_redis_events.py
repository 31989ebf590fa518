"""Bar events over Redis: the envelope, publish -> subscribe, replay, the capped stream,
and a publisher that rides out a Redis server killed under it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from chronox_adapters.redis import (
    RedisPublisher,
    RedisSubscriber,
    channel,
    decode,
    describe,
    encode,
)
from chronox_adapters.redis.envelope import stream_key
from chronox_adapters.redis.publisher import CHUNK
from chronox_domain import Bar, BarBatch, InvalidInput, MalformedData, SourceUnavailable
from chronox_domain.events import BarEvent, events_of
from chronox_domain.ports import EventPublisher
from chronox_domain.timeframe import Timeframe
from tests.conftest import unavailable
from tests.served import free_port

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("CHRONOX_TEST_REDIS", "redis://127.0.0.1:6379/0")
T0 = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
M1 = Timeframe.M1
PUBLISHER_LOG = "chronox_adapters.redis.publisher"


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{describe(REDIS_URL)}: {str(exc).splitlines()[0]}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_server() -> str:
    """The redis-server program, to start private servers with."""
    program = shutil.which("redis-server")
    if program is None:
        unavailable("redis-server", "not on PATH")
    assert program is not None
    return program


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"chronox-test-{uuid.uuid4()}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def minute_bars(symbol: str, count: int, first: int = 0, close: float = 100.5) -> list[Bar]:
    return [
        Bar(symbol, M1, T0 + timedelta(minutes=first + i), 100.0, 101.0, 99.0, close,
            1_000.0 + i, 100.2, 10 + i)
        for i in range(count)
    ]  # fmt: skip


def batch_of(bars: list[Bar], provisional_from: int | None = None) -> BarBatch:
    cut = None if provisional_from is None else bars[provisional_from].start
    return BarBatch(bars[0].symbol, bars[0].timeframe, bars, "synthetic", cut)


async def take(stream: AsyncIterator[BarEvent], count: int, timeout: float = 3.0) -> list[BarEvent]:
    async with asyncio.timeout(timeout):
        return [await anext(stream) for _ in range(count)]


async def nothing_more(stream: AsyncIterator[BarEvent], wait: float = 0.2) -> None:
    pending = asyncio.ensure_future(anext(stream))
    done, _ = await asyncio.wait({pending}, timeout=wait)
    if done:
        pytest.fail(f"unexpected event: {pending.result()}")
    pending.cancel()  # this ends the stream (a cancelled generator is finished)
    with contextlib.suppress(asyncio.CancelledError):
        await pending


async def started(
    stream: AsyncIterator[BarEvent], client: redis.Redis, channels: list[str]
) -> asyncio.Future[BarEvent]:
    """Start ``stream`` and wait until the server has its subscriptions."""
    first = asyncio.ensure_future(anext(stream))
    async with asyncio.timeout(3):
        while not all(n >= 1 for _, n in client.pubsub_numsub(*channels)):
            await asyncio.sleep(0.01)
    return first


def start_server(program: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """A private, throwaway redis-server on ``port``, answering PING."""
    server = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 5
    while True:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"redis-server on port {port} did not start")
            time.sleep(0.02)
        finally:
            client.close()


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# --- the envelope ------------------------------------------------------------------------


def test_envelope_round_trip() -> None:
    events = [
        BarEvent(minute_bars("SPY", 1)[0], True, "polygon"),
        BarEvent(Bar("BRK.B", M1, T0, 1.5, 2.0, 1.25, 1.75, 0.0), False, "synthetic"),
        BarEvent(
            Bar("QQQ", Timeframe.D1, datetime(2024, 11, 25, tzinfo=UTC), 500, 510, 495, 505,
                3e7, 503.25, 400_000),
            False, "files",
        ),
    ]  # fmt: skip
    for event in events:
        assert decode(encode(event)) == event
    data = encode(events[0])
    assert b" " not in data
    assert data.startswith(b'{"ver":1,"symbol":"SPY","timeframe":"1m",')
    assert b'"start":"2024-11-25T14:30:00Z"' in data
    assert decode(data.decode()) == events[0]


def test_the_envelope_is_the_documented_json() -> None:
    bar = Bar("BRK.B", M1, T0, 412, 413.5, 411.25, 413, 1_234, None, None)
    event = BarEvent(bar, True, 'a "quoted" sourcé')
    assert json.loads(encode(event)) == {
        "ver": 1,
        "symbol": "BRK.B",
        "timeframe": "1m",
        "start": "2024-11-25T14:30:00Z",
        "o": 412.0,
        "h": 413.5,
        "l": 411.25,
        "c": 413.0,
        "v": 1234.0,
        "vw": None,
        "n": None,
        "provisional": True,
        "source": 'a "quoted" sourcé',
    }
    with pytest.raises(MalformedData, match="not finite"):
        encode(BarEvent(bar._replace(high=float("inf")), False, "synthetic"))
    with pytest.raises(MalformedData, match="no time zone"):
        encode(BarEvent(bar._replace(start=T0.replace(tzinfo=None)), False, "synthetic"))


def test_the_publisher_is_an_event_publisher() -> None:
    assert isinstance(RedisPublisher(REDIS_URL), EventPublisher)  # nothing connects yet


@pytest.mark.parametrize(
    ("mutation", "why"),
    [
        ({"ver": 2}, "version 2 is not supported"),
        ({"ver": None}, "version None is not supported"),
        ({"ver": True}, "version True is not supported"),
        ({"symbol": "spy"}, "not a canonical ticker"),
        ({"timeframe": "2m"}, "unknown timeframe"),
        ({"start": "2024-11-25T14:30:00"}, "not a UTC timestamp"),
        ({"start": "yesterday"}, "not a UTC timestamp"),
        ({"o": "100"}, "o '100' is not a number"),
        ({"c": None}, "c None is not a number"),
        ({"n": 1.5}, "not a whole number"),
        ({"provisional": "yes"}, "not a boolean"),
        ({"source": ""}, "not a name"),
        ({"l": 150.0}, "low 150.0 is above"),
        ({"h": float("nan")}, "not finite"),
    ],
)
def test_decode_refuses_what_it_cannot_trust(mutation: dict[str, Any], why: str) -> None:
    raw = json.loads(encode(BarEvent(minute_bars("SPY", 1)[0], False, "synthetic")))
    raw.update(mutation)
    with pytest.raises(MalformedData, match=why):
        decode(json.dumps(raw))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"ver":1,"symbol":"SPY"}', "lacks field 'timeframe'"),
    ],
)
def test_decode_refuses_malformed_payloads(data: bytes, why: str) -> None:
    with pytest.raises(MalformedData, match=why):
        decode(data)


# --- publish and subscribe ---------------------------------------------------------------


def test_a_subscriber_hears_exactly_the_published_events_in_order(
    redis_url: str, prefix: str
) -> None:
    spy = batch_of(minute_bars("SPY", 6), provisional_from=4)
    qqq = batch_of(minute_bars("QQQ", 3), provisional_from=0)
    iwm = batch_of(minute_bars("IWM", 2))  # not subscribed to
    client = redis.Redis.from_url(redis_url)

    async def main() -> list[BarEvent]:
        stream = RedisSubscriber(redis_url, prefix).subscribe(["spy", "QQQ"], M1)
        channels = [channel(prefix, s, M1) for s in ("SPY", "QQQ")]
        first = await started(stream, client, channels)
        with RedisPublisher(redis_url, prefix) as publisher:
            for batch in (spy, iwm, qqq):
                publisher.publish(batch)
            received = [await first, *await take(stream, 8)]
            await nothing_more(stream)
        await stream.aclose()
        return received

    try:
        received = asyncio.run(main())
        assert received == events_of(spy) + events_of(qqq)
        assert [e.provisional for e in received] == [False] * 4 + [True] * 5
        # Closing the stream unsubscribed.
        spy_channel = channel(prefix, "SPY", M1)
        assert wait_until(lambda: client.pubsub_numsub(spy_channel)[0][1] == 0, 2)
    finally:
        client.close()


def test_replay_gives_the_last_events_per_symbol_then_live_ones(
    redis_url: str, prefix: str
) -> None:
    spy = batch_of(minute_bars("SPY", 10), provisional_from=8)
    qqq = batch_of(minute_bars("QQQ", 10))
    iwm = batch_of(minute_bars("IWM", 2))
    with RedisPublisher(redis_url, prefix) as publisher:
        for batch in (spy, qqq, iwm):
            publisher.publish(batch)
        assert publisher.flush(3)
        client = redis.Redis.from_url(redis_url)

        async def main() -> tuple[list[BarEvent], list[BarEvent]]:
            stream = RedisSubscriber(redis_url, prefix).subscribe(["SPY", "QQQ", "IWM"], M1, 3)
            replayed = await take(stream, 8)
            # A copy of a replayed event that reaches the channel late (published
            # between the SUBSCRIBE and the stream read) is not heard twice ...
            last = replayed[-1]
            client.publish(channel(prefix, last.bar.symbol, M1), encode(last))
            # ... while a correction of that bar, and new bars, are.
            corrected = BarEvent(last.bar._replace(close=100.75), False, "synthetic")
            client.publish(channel(prefix, last.bar.symbol, M1), encode(corrected))
            new = batch_of(minute_bars("SPY", 1, first=10))
            publisher.publish(new)
            live = await take(stream, 2)
            await nothing_more(stream)
            await stream.aclose()
            return replayed, live

        try:
            replayed, live = asyncio.run(main())
        finally:
            client.close()
    spy_events, qqq_events, iwm_events = events_of(spy), events_of(qqq), events_of(iwm)
    # Oldest first, in publication order; IWM had only 2 to give.
    assert replayed == spy_events[-3:] + qqq_events[-3:] + iwm_events
    assert [e.provisional for e in replayed[:3]] == [False, True, True]
    assert live[0].bar.close == 100.75 and live[0].bar.start == iwm_events[-1].bar.start
    assert live[1] == events_of(batch_of(minute_bars("SPY", 1, first=10)))[0]


def test_an_envelope_no_float_or_datetime_holds_is_skipped_not_fatal(
    redis_url: str, prefix: str
) -> None:
    """A number of 400 digits, or an instant before year 1 in UTC, written by another
    process into the stream or onto a channel: skipped and counted; the feed goes on."""
    good = minute_bars("SPY", 2)
    raw = json.loads(encode(BarEvent(good[0], False, "synthetic")))
    huge = json.dumps({**raw, "o": 10**400})
    early = json.dumps({**raw, "start": "0001-01-01T00:00:00+01:00"})
    client = redis.Redis.from_url(redis_url)
    spy = channel(prefix, "SPY", M1)
    client.xadd(stream_key(prefix, M1), {"symbol": "SPY", "event": huge})
    client.xadd(
        stream_key(prefix, M1), {"symbol": "SPY", "event": encode(events_of(batch_of(good[:1]))[0])}
    )
    subscriber = RedisSubscriber(redis_url, prefix)

    async def main() -> list[BarEvent]:
        stream = subscriber.subscribe(["SPY"], M1, replay=2)
        first = await take(stream, 1)
        for data in (early, huge, encode(events_of(batch_of(good[1:]))[0])):
            client.publish(spy, data)
        heard = [*first, *await take(stream, 1)]
        await stream.aclose()
        return heard

    try:
        heard = asyncio.run(main())
    finally:
        client.close()
    assert [event.bar for event in heard] == good
    assert subscriber.malformed == 3


def test_the_stream_stays_capped(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    node = int(client.config_get("stream-node-max-entries")["stream-node-max-entries"])
    bars = minute_bars("SPY", 2_000)
    with RedisPublisher(redis_url, prefix, stream_maxlen=100) as publisher:
        for i in range(0, len(bars), 250):
            publisher.publish(batch_of(bars[i : i + 250]))
        assert publisher.flush(5)
        assert (publisher.published, publisher.dropped) == (2_000, 0)
    try:
        length = client.xlen(stream_key(prefix, M1))
        # MAXLEN ~ trims whole nodes: at least 100 kept, at most one node more.
        assert 100 <= length <= 100 + node, length
        ((_, newest),) = client.xrevrange(stream_key(prefix, M1), count=1)
        assert decode(newest[b"event"]).bar == bars[-1]
    finally:
        client.close()


# --- failures ---------------------------------------------------------------------------


def test_an_unreachable_redis_is_one_clear_line_without_the_password() -> None:
    port = free_port()
    subscriber = RedisSubscriber(f"redis://chronox:s3cret-pw@127.0.0.1:{port}/0")

    async def main() -> None:
        await anext(subscriber.subscribe(["SPY"], M1, replay=5))

    with pytest.raises(SourceUnavailable) as caught:
        asyncio.run(main())
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "s3cret-pw" not in message and "\n" not in message


def test_a_publisher_without_redis_neither_fails_nor_blocks() -> None:
    publisher = RedisPublisher(f"redis://127.0.0.1:{free_port()}/0", buffer_size=50)
    started_at = time.perf_counter()
    for i in range(10):
        publisher.publish(batch_of(minute_bars("SPY", 10, first=10 * i)))
    assert time.perf_counter() - started_at < 0.05
    assert not publisher.flush(0.2)
    publisher.close(timeout=0.2)
    assert publisher.published == 0
    assert publisher.dropped == 100  # 50 overflowed, 50 left undelivered at close
    with pytest.raises(InvalidInput):
        RedisPublisher("http://127.0.0.1:6379")


def test_publish_never_blocks_while_redis_dies_and_delivery_resumes(
    redis_server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=PUBLISHER_LOG)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    size = 200
    servers = [start_server(redis_server, port, tmp_path)]
    publisher = RedisPublisher(url, prefix="chronox-test-outage:", buffer_size=size)
    try:
        submitted, slowest, most_buffered, minute = 0, 0.0, 0, 0

        def publish(symbol: str, count: int) -> list[Bar]:
            nonlocal submitted, slowest, most_buffered, minute
            bars = minute_bars(symbol, count, first=minute)
            minute += count
            began = time.perf_counter()
            publisher.publish(batch_of(bars))
            slowest = max(slowest, time.perf_counter() - began)
            submitted += count
            most_buffered = max(most_buffered, publisher.buffered)
            return bars

        for _ in range(5):
            publish("SPY", 10)
        assert publisher.flush(2) and publisher.published == 50

        for i in range(120):  # ~0.4 s of publishing, the server killed early on
            if i == 20:
                servers[0].send_signal(signal.SIGKILL)
                servers[0].wait(5)
            publish("SPY", 10)
            time.sleep(0.003)

        assert slowest < 0.01, f"publish() took {slowest * 1e3:.1f} ms"
        assert most_buffered <= size and publisher.pending <= size + CHUNK
        assert publisher.dropped >= 1_000 - 2 * size
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "dropped so far" in warnings[0].getMessage()

        servers.append(start_server(redis_server, port, tmp_path))
        listener = redis.Redis(port=port).pubsub()
        listener.subscribe(channel("chronox-test-outage:", "NEW", M1))
        assert listener.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
        fresh = publish("NEW", 3)
        assert publisher.flush(5), "delivery did not resume"
        heard: list[BarEvent] = []
        deadline = time.monotonic() + 2
        while len(heard) < 3 and time.monotonic() < deadline:
            message = listener.get_message(timeout=0.2)
            if message and message["type"] == "message":
                heard.append(decode(message["data"]))
        listener.close()
        assert [e.bar for e in heard] == fresh
        assert publisher.reconnects >= 1
        assert publisher.published + publisher.dropped == submitted
        assert wait_until(lambda: any("resumed" in r.getMessage() for r in caplog.records), 1)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
    finally:
        publisher.close(timeout=0.5)
        for server in servers:
            server.kill()
            server.wait(5)
