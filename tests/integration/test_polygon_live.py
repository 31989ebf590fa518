"""The live minute feed against the stub: bars in order, reconnects, a refused key."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chronox_adapters.polygon import PolygonConfig, PolygonLiveSource
from chronox_domain import Bar, SourceUnavailable, Timeframe
from tests.polygon_stub import PolygonStub

pytestmark = pytest.mark.integration

KEY = "pk-live-SECRET-42"
START = datetime(2024, 11, 26, 14, 30, tzinfo=UTC)


@pytest.fixture
def stub() -> Iterator[PolygonStub]:
    with PolygonStub(api_key=KEY) as running:
        yield running


def live(stub: PolygonStub, key: str = KEY) -> PolygonLiveSource:
    config = PolygonConfig(
        api_key=key,
        ws_host=stub.ws_host,
        ws_secure=False,
        backoff_base=0.05,
        backoff_cap=0.2,
        max_reconnects=3,
    )
    return PolygonLiveSource(config)


def collect(
    source: PolygonLiveSource,
    symbols: list[str],
    count: int,
    feed: object,
    done: threading.Event | None = None,
) -> list[Bar]:
    """Run the stream until ``count`` bars arrived; ``feed()`` runs in a thread once
    the subscription is in place."""

    async def main() -> list[Bar]:
        received: list[Bar] = []
        stream = source.stream(symbols, Timeframe.M1)
        feeder = threading.Thread(target=feed, daemon=True)  # type: ignore[arg-type]
        started = False
        async with asyncio.timeout(20):
            pending = asyncio.ensure_future(anext(stream))
            while len(received) < count:
                if not started:
                    feeder.start()
                    started = True
                received.append(await pending)
                if len(received) < count:
                    pending = asyncio.ensure_future(anext(stream))
        if done is not None:
            done.set()
        await stream.aclose()
        feeder.join(5)
        return received

    return asyncio.run(main())


def test_minute_bars_arrive_in_order(stub: PolygonStub) -> None:
    def feed() -> None:
        stub.live.wait_for_subscribers(1, timeout=10, topic="AM.SPY")
        stub.live.play(["SPY", "QQQ"], START, minutes=30)

    bars = collect(live(stub), ["SPY"], 25, feed)
    expected = [
        b for b in stub.expected_bars("SPY", Timeframe.M1, _window(30)) if b.symbol == "SPY"
    ]
    assert [b.start for b in bars] == [b.start for b in expected[:25]]
    assert all(b.symbol == "SPY" for b in bars)
    assert [b.close for b in bars] == [b.close for b in expected[:25]]


def test_the_feed_reconnects_after_a_disconnect(stub: PolygonStub) -> None:
    source = live(stub)
    enough = threading.Event()

    def feed() -> None:
        stub.live.wait_for_subscribers(1, timeout=10, topic="AM.SPY")
        stub.faults.ws_disconnect_after(5, abrupt=True)
        stub.live.play(["SPY"], START, minutes=5)
        # The client reconnects and resubscribes on its own schedule: keep the feed going
        # (one minute at a time, later minutes) until the consumer has what it needs.
        minute = START.replace(minute=40)
        while not enough.wait(0.05) and minute < START.replace(hour=20):
            stub.live.play(["SPY"], minute, minutes=1)
            minute += timedelta(minutes=1)

    try:
        bars = collect(source, ["SPY"], 8, feed, enough)
    finally:
        enough.set()
    assert [b.start for b in bars[:5]] == [START + timedelta(minutes=i) for i in range(5)]
    assert bars[-1].start >= START.replace(minute=40)


def test_a_refused_key_ends_the_stream_with_one_clear_error(stub: PolygonStub) -> None:
    async def main() -> None:
        async with asyncio.timeout(10):
            async for _ in live(stub, key="wrong").stream(["SPY"], Timeframe.M1):
                pass

    with pytest.raises(SourceUnavailable, match="refused the API key"):
        asyncio.run(main())


def _window(minutes: int):  # type: ignore[no-untyped-def]
    from chronox_domain import Interval

    return Interval(START, START + timedelta(minutes=minutes))
