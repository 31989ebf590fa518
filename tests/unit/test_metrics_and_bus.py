"""What ingestion counts through the ``Metrics`` port, and the in-process bus as an
asynchronous ``EventSubscriber`` (replay, threads, a subscriber that falls behind)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from chronox_adapters.memory import InProcessBus, MemorySource
from chronox_domain import Bar, SessionKind, Timeframe
from chronox_domain.batch import BarBatch
from chronox_domain.errors import InvalidInput, SourceUnavailable
from chronox_domain.events import BarEvent
from chronox_domain.services.ingestion import IngestRequest
from tests.conftest import Stack

M1 = Timeframe.M1
MONDAY, TUESDAY = date(2024, 11, 25), date(2024, 11, 26)


class RecordingMetrics:
    """A ``Metrics`` fake that keeps every call."""

    def __init__(self) -> None:
        self.ingested: list[tuple[str, Timeframe, int, int]] = []
        self.closed: list[int] = []

    def bars_ingested(self, source: str, timeframe: Timeframe, written: int, rejected: int) -> None:
        self.ingested.append((source, timeframe, written, rejected))

    def gaps_closed(self, source: str, timeframe: Timeframe, windows: int) -> None:
        self.closed.append(windows)

    def vendor_request(self, source: str, status: str, failed: bool, retried: bool) -> None:
        raise AssertionError("a memory source makes no vendor requests")


def session_bars(day: date) -> list[Bar]:
    first = datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC)
    return [
        Bar("SPY", M1, first + timedelta(minutes=i), 100.0, 101.0, 99.0, 100.5, 1_000.0)
        for i in range(390)
    ]


def test_ingestion_counts_bars_and_only_the_windows_it_closed(stack: Stack) -> None:
    tuesday = session_bars(TUESDAY)
    broken = tuesday[100]._replace(high=98.0)  # high below low: refused
    source = MemorySource([*session_bars(MONDAY), *tuesday[:100], broken, *tuesday[101:]])
    metrics = RecordingMetrics()
    ingestion = stack(source=source, metrics=metrics).ingestion()
    request = IngestRequest(("SPY",), M1, SessionKind.RTH, MONDAY, TUESDAY)

    ingestion.ingest(request)
    assert metrics.ingested == [("memory", M1, 779, 1)]
    assert metrics.closed == [1]  # Monday; Tuesday keeps the refused bar's slot open

    ingestion.ingest(request)  # asks for that one slot again, and is refused again
    assert metrics.ingested[1:] == [("memory", M1, 0, 1)] and metrics.closed[1:] == [0]


def batch(symbol: str, *minutes: int) -> BarBatch:
    first = datetime(2024, 11, 25, 14, 30, tzinfo=UTC)
    bars = [
        Bar(symbol, M1, first + timedelta(minutes=m), 10.0, 11.0, 9.0, 10.5, 100.0) for m in minutes
    ]
    return BarBatch(symbol, M1, bars, "memory", provisional_from=None)


def minutes_of(events: list[BarEvent]) -> list[tuple[str, int]]:
    return [(e.bar.symbol, e.bar.start.minute - 30) for e in events]


async def take(stream: object, count: int) -> list[BarEvent]:
    async with asyncio.timeout(5):
        return [await anext(stream) for _ in range(count)]  # type: ignore[call-overload]


def test_replay_merges_symbols_in_publish_order_then_goes_live() -> None:
    bus = InProcessBus(kept=2)
    bus.publish(batch("SPY", 0, 1))
    bus.publish(batch("QQQ", 0))
    bus.publish(batch("SPY", 2))
    bus.publish(batch("IWM", 0))  # not subscribed

    async def scenario() -> list[BarEvent]:
        stream = bus.subscribe(["spy", "QQQ"], M1, replay=2)
        replayed = await take(stream, 3)
        bus.publish(batch("QQQ", 1))
        return replayed + await take(stream, 1)

    got = asyncio.run(scenario())
    assert minutes_of(got) == [("SPY", 1), ("QQQ", 0), ("SPY", 2), ("QQQ", 1)]


def test_a_batch_published_from_another_thread_reaches_the_subscribers_loop() -> None:
    bus = InProcessBus()

    async def scenario() -> list[BarEvent]:
        bus.publish(batch("SPY", 0))
        stream = bus.subscribe(["SPY"], M1, replay=1)
        # The replayed event proves the subscription is registered (the two happen
        # under one lock): no loop turn to guess.
        replayed = await take(stream, 1)
        worker = threading.Thread(target=bus.publish, args=(batch("SPY", 1, 2),))
        worker.start()
        worker.join()
        return replayed + await take(stream, 2)

    assert minutes_of(asyncio.run(scenario())) == [("SPY", 0), ("SPY", 1), ("SPY", 2)]


def test_a_subscriber_too_far_behind_is_ended_not_left_to_grow() -> None:
    bus = InProcessBus(backlog=3)

    async def scenario() -> None:
        bus.publish(batch("SPY", 0))
        stream = bus.subscribe(["SPY"], M1, replay=1)
        assert minutes_of(await take(stream, 1)) == [("SPY", 0)]  # subscribed, replayed
        bus.publish(batch("SPY", 1, 2))
        bus.publish(batch("SPY", 3, 4))  # beyond the backlog: dropped, and said so
        assert minutes_of(await take(stream, 1)) == [("SPY", 1)]
        assert minutes_of(await take(stream, 1)) == [("SPY", 2)]
        with pytest.raises(SourceUnavailable, match="fell more than 3 bar events behind"):
            await take(stream, 1)

    asyncio.run(scenario())


def test_subscribing_needs_a_symbol_and_a_sane_replay() -> None:
    bus = InProcessBus()

    async def first(symbols: list[str], replay: int) -> None:
        await take(bus.subscribe(symbols, M1, replay), 1)

    with pytest.raises(InvalidInput):
        asyncio.run(first([], 0))
    with pytest.raises(InvalidInput):
        asyncio.run(first(["SPY"], -1))


def test_vendor_status_labels_come_from_a_fixed_set() -> None:
    # The vendor (or a proxy in front of it) chooses its statuses: 999, 1234 or a word
    # each became a series of their own, held for the life of the process.
    from chronox_adapters.prometheus import PrometheusMetrics

    metrics = PrometheusMetrics()
    sent = ["200", "429", "503", "timeout", "connection", "malformed"]
    odd = ["999", "1234", "099", "\uff15\uff10\uff13", "teapot", "", "2OO"]
    for status in sent + odd:
        metrics.vendor_request("polygon", status, failed=status != "200", retried=False)
    labels = {
        sample.labels["status"]
        for family in metrics.registry.collect()
        if family.name == "chronox_vendor_requests"
        for sample in family.samples
        if sample.name.endswith("_total")
    }
    assert labels == {*sent, "other"}
