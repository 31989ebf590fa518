"""The live minute feed against the stub: bars in order, reconnects, evictions and
backoff, refused keys, plans and subscriptions, the vendor's full AM event."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import websockets

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


# --- what the vendor says on the feed: evictions, refusals, status frames --------------

#: Small pauses: the attempt n waits between half and all of min(cap, base * 2**(n-1)).
BASE, CAP = 0.1, 0.4
NO_PLAN = (
    "Your plan doesn't include websocket access. Visit https://massive.com/pricing to upgrade."
)


def fast(stub: PolygonStub, key: str = KEY, **overrides: object) -> PolygonLiveSource:
    settings: dict[str, object] = {
        "api_key": key,
        "ws_host": stub.ws_host,
        "ws_secure": False,
        "reconnect_base": BASE,
        "reconnect_cap": CAP,
        "max_reconnects": 4,
        "healthy_after": 60.0,
    }
    settings.update(overrides)
    return PolygonLiveSource(PolygonConfig(**settings))  # type: ignore[arg-type]


def run_until_it_ends(source: PolygonLiveSource, timeout: float = 10) -> list[Bar]:
    """The bars a stream yields before it raises (the error propagates)."""

    async def main() -> list[Bar]:
        bars: list[Bar] = []
        async with asyncio.timeout(timeout):
            async for bar in source.stream(["SPY"], Timeframe.M1):
                bars.append(bar)
        return bars

    return asyncio.run(main())


def live_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "chronox_adapters.polygon.websocket" and r.levelno == logging.WARNING
    ]


def test_an_eviction_backs_off_with_growing_pauses_and_a_bounded_budget(
    stub: PolygonStub, caplog: pytest.LogCaptureFixture
) -> None:
    # Every connection is told max_connections and closed 1008 right after its
    # subscription is answered (auth_success and subscribed statuses come first: they
    # must not reset the count of attempts, or this loops forever).
    stub.live.evict_all("max_connections", persistent=True)
    caplog.set_level(logging.INFO, logger="chronox_adapters.polygon.websocket")
    with pytest.raises(SourceUnavailable) as raised:
        run_until_it_ends(fast(stub, max_reconnects=4))
    message = str(raised.value)
    assert "5 attempts in a row" in message
    assert "Maximum number of connections exceeded." in message
    times = stub.live.connection_times()
    assert len(times) == 5  # the first connection and 4 reconnects, then it gave up
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    for attempt, gap in enumerate(gaps, start=1):
        assert gap >= 0.5 * min(CAP, BASE * 2 ** (attempt - 1)) * 0.9, gaps
    assert gaps[-1] > gaps[0]
    warnings = live_warnings(caplog)
    evictions = [w for w in warnings if "max_connections: Maximum number of connections" in w]
    assert len(evictions) == 5
    assert len([w for w in warnings if "reconnecting in" in w]) == 4
    assert all("\n" not in w and KEY not in w for w in warnings)


def test_status_frames_do_not_reset_the_count_of_attempts(stub: PolygonStub) -> None:
    # slow_consumer, after auth_success and "subscribed to" on every connection, and a
    # few unrelated statuses in between: still 1 + max_reconnects connections in all.
    stub.live.evict_all("slow_consumer", persistent=True)
    with pytest.raises(SourceUnavailable, match="slow_consumer"):
        run_until_it_ends(fast(stub, max_reconnects=2))
    assert len(stub.live.connection_times()) == 3


def test_a_healthy_connection_starts_the_count_again(stub: PolygonStub) -> None:
    # One healthy connection (bars, and up longer than healthy_after) between evictions:
    # the budget of 2 in a row is spent twice before the stream gives up.
    healthy_after = 0.2
    source = fast(stub, max_reconnects=2, healthy_after=healthy_after)
    first_three, fourth = threading.Event(), threading.Event()

    def stay_up_healthy(received: threading.Event) -> None:
        # Bars reached the consumer; then the connection outlives healthy_after (a
        # duration under test, measured from the stub's last connection: no guess).
        assert received.wait(5), "the bars never reached the consumer"
        opened = stub.live.connection_times()[-1]
        time.sleep(max(0.0, opened + healthy_after + 0.1 - time.monotonic()))

    def feed() -> None:
        stub.live.wait_for_subscribers(1, timeout=5, topic="AM.SPY")
        stub.live.play(["SPY"], START, minutes=3)
        stay_up_healthy(first_three)
        stub.live.evict_all("force_disconnect")
        deadline = time.monotonic() + 5
        while len(stub.live.connection_times()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        stub.live.wait_for_subscribers(1, timeout=5, topic="AM.SPY")
        stub.live.emit(stub.expected_bars("SPY", Timeframe.M1, _window(1)))
        stay_up_healthy(fourth)
        stub.live.evict_all("force_disconnect", persistent=True)

    async def main() -> list[Bar]:
        bars: list[Bar] = []
        async with asyncio.timeout(15):
            async for bar in source.stream(["SPY"], Timeframe.M1):
                bars.append(bar)
                if len(bars) == 3:
                    first_three.set()
                if len(bars) == 4:
                    fourth.set()
        return bars

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    with pytest.raises(SourceUnavailable, match=r"3 attempts in a row.*force_disconnect"):
        asyncio.run(main())
    feeder.join(5)
    # 1 healthy, evicted; 1 healthy again, evicted; then 2 evicted right away, then over.
    assert len(stub.live.connection_times()) == 4


def test_a_plan_without_websocket_access_ends_the_stream_at_once(
    stub: PolygonStub, caplog: pytest.LogCaptureFixture
) -> None:
    stub.live.refuse_auth(NO_PLAN)
    with pytest.raises(SourceUnavailable) as raised:
        run_until_it_ends(fast(stub))
    message = str(raised.value)
    assert message.startswith("the vendor's live feed refused this plan: " + NO_PLAN)
    assert "CHRONOX_POLYGON_WS_HOST=delayed.massive.com" in message
    assert "\n" not in message and KEY not in message
    time.sleep(3 * CAP)  # a retry, if there were one, would have come by now
    assert len(stub.live.connection_times()) == 1
    assert not [w for w in live_warnings(caplog) if "reconnecting" in w]


def test_a_refused_key_ends_the_stream_at_once_with_the_vendors_text(stub: PolygonStub) -> None:
    with pytest.raises(SourceUnavailable) as raised:
        run_until_it_ends(fast(stub, key="wrong"))
    assert str(raised.value) == (
        "the vendor refused the API key on the live feed: authentication failed"
    )
    time.sleep(3 * CAP)
    assert len(stub.live.connection_times()) == 1


def test_refused_subscriptions_are_logged_and_retried_within_the_budget(
    stub: PolygonStub, caplog: pytest.LogCaptureFixture
) -> None:
    stub.live.refuse_subscriptions("Not authorized to subscribe to AM.SPY")
    with pytest.raises(SourceUnavailable, match="refused every subscription"):
        run_until_it_ends(fast(stub, max_reconnects=1))
    assert len(stub.live.connection_times()) == 2
    refusals = [w for w in live_warnings(caplog) if "refused a subscription" in w]
    assert refusals == ["live feed: the vendor refused a subscription: error: "
                        "Not authorized to subscribe to AM.SPY"] * 2  # fmt: skip


def test_a_full_documented_am_event_is_parsed(stub: PolygonStub) -> None:
    # websocket.json, paths./stocks/AM, the 200 response's example, with every documented
    # field (otc too, which the vendor leaves off when false); its symbol made ours.
    event = {
        "ev": "AM", "sym": "SPY", "v": 4110, "av": 9470157, "op": 0.4372, "vw": 0.4488,
        "o": 0.4488, "c": 0.4486, "h": 0.4489, "l": 0.4486, "a": 0.4352, "z": 685,
        "s": 1610144640000, "e": 1610144700000, "otc": True,
    }  # fmt: skip

    def feed() -> None:
        stub.live.wait_for_subscribers(1, timeout=10, topic="AM.SPY")
        stub.live.send_status("success", "an unrelated status in between")
        stub.live.send_events([event])

    [bar] = collect(live(stub), ["SPY"], 1, feed)
    assert bar == Bar(
        "SPY", Timeframe.M1, datetime(2021, 1, 8, 22, 24, tzinfo=UTC),
        0.4488, 0.4489, 0.4486, 0.4486, 4110, 0.4488, None,
    )  # fmt: skip


def test_the_stub_evicts_the_oldest_connection_past_max_connections(stub: PolygonStub) -> None:
    # The vendor's default: one connection per cluster per key; the newcomer stays.
    stub.live.max_connections = 1

    async def main() -> None:
        async def opened() -> websockets.ClientConnection:
            socket = await websockets.connect(f"ws://{stub.ws_host}/stocks")
            await socket.recv()  # connected
            await socket.send(json.dumps({"action": "auth", "params": KEY}))
            assert json.loads(await socket.recv())[0]["status"] == "auth_success"
            return socket

        first = await opened()
        second = await opened()
        assert json.loads(await first.recv()) == [
            {"ev": "status", "status": "max_connections",
             "message": "Maximum number of connections exceeded."}
        ]  # fmt: skip
        with pytest.raises(websockets.ConnectionClosedError) as closed:
            await first.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        await second.send(json.dumps({"action": "subscribe", "params": "AM.SPY"}))
        assert json.loads(await second.recv())[0]["status"] == "success"
        await second.close()

    asyncio.run(asyncio.wait_for(main(), 5))


def test_failed_handshakes_count_against_the_budget(
    stub: PolygonStub, caplog: pytest.LogCaptureFixture
) -> None:
    # The websockets library would retry a refused upgrade by itself, forever; without an
    # answer in answer_timeout the attempt is abandoned and counted like any other.
    stub.live.refuse_handshakes(502)
    with pytest.raises(SourceUnavailable, match="3 attempts in a row: no answer from the vendor"):
        run_until_it_ends(fast(stub, max_reconnects=2, answer_timeout=0.3))
    assert stub.live.connection_times() == []
    assert 3 <= len(stub.live.refused_handshakes()) <= 6
    assert any("502" in w for w in live_warnings(caplog))
