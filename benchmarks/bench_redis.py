"""Bar events over Redis: the pipelined ``RedisPublisher`` against one PUBLISH per round trip.

The same pre-built 1m bars (10 symbols, batches of 1,000 bars as an ingest hands them
over) go to the Redis of ``CHRONOX_BENCH_REDIS`` (else redis://127.0.0.1:6379/0), under a
key prefix of this run that is deleted at the end, even on error:

* chronox: ``RedisPublisher.publish(batch)`` for every batch, then ``flush()``: the
  time until the last event was delivered. Per bar that is the envelope encoded, a
  PUBLISH and an XADD to the capped stream, sent by the drainer thread in pipelines.
  The time ``publish()`` itself took is what an ingest waits for.
* baseline: a plain redis-py client sending the same envelopes, encoded before the
  clock starts, with one ``PUBLISH`` per round trip (and no stream).

And the publisher's wire against redis-py's own fast path (issue 22): the same
publisher, its drainer sending each chunk either as RESP bytes chronox writes itself
(``_Wire``) or through ``pipeline(transaction=False)`` with a PUBLISH and an XADD per
event; both streams, uncapped for the comparison, must hold the same entries.

Loopback, no subscriber on the channels, bounded: N bars per side and repeat.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import redis

from benchmarks.timing import Comparison, Figure, Timing, rate, seconds
from chronox_adapters.redis import RedisPublisher, channel, decode, describe, encode, stream_key
from chronox_adapters.redis.envelope import STREAM_FIELD, SYMBOL_FIELD
from chronox_adapters.redis.publisher import CHUNK
from chronox_domain.bar import Bar
from chronox_domain.batch import BarBatch
from chronox_domain.errors import MalformedData, first_line
from chronox_domain.events import BarEvent, events_of
from chronox_domain.timeframe import Timeframe

DEFAULT_URL = "redis://127.0.0.1:6379/0"
SYMBOLS = 10
BATCH = 1_000
STREAM_MAXLEN = 10_000
FIRST_MINUTE = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
#: What an ingest may wait for publish() of one batch (median).
TARGET_PUBLISH_CALL = 0.010
FLUSH_TIMEOUT = 60.0


def redis_url() -> str:
    return os.environ.get("CHRONOX_BENCH_REDIS", DEFAULT_URL)


def unavailable(url: str) -> str | None:
    """Why these benchmarks cannot run against ``url`` (None: they can)."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        return first_line(exc)
    return None


def batches(bars: int) -> list[BarBatch]:
    """``bars`` sound 1m bars over ``SYMBOLS`` symbols, ``BATCH`` bars per batch."""
    per_symbol = max(bars // SYMBOLS, 1)
    out: list[BarBatch] = []
    for number in range(SYMBOLS):
        symbol = f"B{number:03d}"
        series = [
            Bar(symbol, Timeframe.M1, FIRST_MINUTE + timedelta(minutes=i),
                100.0, 100.5, 99.5, 100.25, 1_000.0 + i, 100.1, 12)
            for i in range(per_symbol)
        ]  # fmt: skip
        for i in range(0, per_symbol, BATCH):
            chunk = series[i : i + BATCH]
            out.append(BarBatch(symbol, Timeframe.M1, chunk, "synthetic", chunk[-1].start))
    return out


@contextmanager
def throwaway_prefix(url: str) -> Iterator[str]:
    """A key prefix of this run; every key under it is deleted on the way out."""
    prefix = f"chronox-bench-{os.getpid()}-{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1_000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def publish_one_by_one(client: redis.Redis, envelopes: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    for name, payload in envelopes:
        client.publish(name, payload)
    return time.perf_counter() - started


def publish_pipelined(publisher: RedisPublisher, load: list[BarBatch]) -> tuple[float, list[float]]:
    """(seconds until every event was delivered, the time of each ``publish()`` call)."""
    calls: list[float] = []
    started = time.perf_counter()
    for batch in load:
        called = time.perf_counter()
        publisher.publish(batch)
        calls.append(time.perf_counter() - called)
    if not publisher.flush(FLUSH_TIMEOUT):
        raise RuntimeError(f"the publisher did not drain {publisher.pending} events in time")
    return time.perf_counter() - started, calls


def send_library_pipeline(
    client: redis.Redis, prefix: str, maxlen: int, chunk: list[BarEvent]
) -> int:
    """redis-py's fast path for what the drainer sends: ``pipeline(transaction=False)``,
    a PUBLISH and an XADD (MAXLEN ~) per event, every reply read; returns the events
    that could not be encoded, as ``RedisPublisher._send`` does."""
    pipe = client.pipeline(transaction=False)
    skipped = 0
    for event in chunk:
        try:
            payload = encode(event)
        except MalformedData:
            skipped += 1
            continue
        bar = event.bar
        pipe.publish(channel(prefix, bar.symbol, bar.timeframe), payload)
        pipe.xadd(
            stream_key(prefix, bar.timeframe),
            {SYMBOL_FIELD: bar.symbol, STREAM_FIELD: payload},
            maxlen=maxlen,
            approximate=True,
        )
    if len(pipe):
        pipe.execute()
    return skipped


class LibraryPipelinePublisher(RedisPublisher):
    """The same publisher (buffer, drainer thread, chunks), its drainer sending each
    chunk through redis-py's pipeline instead of the RESP bytes chronox writes."""

    def _send(self, chunk: list[BarEvent]) -> int:
        return send_library_pipeline(self._client, self.prefix, self.stream_maxlen, chunk)


def stream_entries(client: redis.Redis, key: str) -> list[tuple[bytes, bytes]]:
    """(symbol, envelope) of every entry of a stream, oldest first (ids left out)."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(key))
    return [(fields[b"symbol"], fields[b"event"]) for _, fields in entries]


def wire_against_library(url: str, load: list[BarBatch], repeats: int) -> dict[str, Any]:
    """The publisher's hand-written wire against redis-py's pipeline: ``RedisPublisher``
    and ``LibraryPipelinePublisher`` publish the same batches to fresh prefixes, each
    until flushed (sides alternating); and the drainer's send alone, chunk by chunk in
    this thread, both ways. Every run's stream (uncapped) must hold the same entries."""
    events = [event for batch in load for event in events_of(batch)]
    n = len(events)
    expected = [(e.bar.symbol.encode(), encode(e)) for e in events]
    chunks = [events[i : i + CHUNK] for i in range(0, n, CHUNK)]
    sides = {"wire": RedisPublisher, "library": LibraryPipelinePublisher}
    flushed: dict[str, list[float]] = {side: [] for side in sides}
    sent: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(repeats):
        for side in sides if repeat % 2 == 0 else reversed(sides):
            for how, times in (("flushed", flushed), ("sent", sent)):
                with throwaway_prefix(url) as prefix:
                    publisher = sides[side](url, prefix, stream_maxlen=2 * n, buffer_size=n)
                    try:
                        publisher._client.ping()  # connected before the clock starts
                        if how == "flushed":
                            times[side].append(publish_pipelined(publisher, load)[0])
                        else:
                            started = time.perf_counter()
                            for chunk in chunks:
                                if publisher._send(chunk):
                                    raise RuntimeError("an event could not be encoded")
                            times[side].append(time.perf_counter() - started)
                        key = stream_key(prefix, Timeframe.M1)
                        got = stream_entries(publisher._client, key)
                    finally:
                        publisher.close()
                if got != expected:
                    raise RuntimeError(f"{side} ({how}): the stream differs from the events")
    return {"events": n, "flushed": flushed, "sent": sent}


def run(quick: bool) -> list[dict[str, Any]]:
    """The Redis figures as rows (the fields of ``benchmarks.timing.Figure``); none,
    having said why, when Redis is not reachable."""
    url = redis_url()
    reason = unavailable(url)
    if reason is not None:
        print(f"Redis benchmarks skipped: {describe(url)}: {reason}", flush=True)
        return []
    bars, repeats = (2_000, 1) if quick else (50_000, 3)
    load = batches(bars)
    events = [event for batch in load for event in events_of(batch)]
    n = len(events)
    with throwaway_prefix(url) as prefix:
        envelopes = [(channel(prefix, e.bar.symbol, e.bar.timeframe), encode(e)) for e in events]
        client = redis.Redis.from_url(url)
        publisher = RedisPublisher(url, prefix, stream_maxlen=STREAM_MAXLEN, buffer_size=n)
        try:
            # Warm-up, both sides: connections made, code paths taken once.
            publish_one_by_one(client, envelopes[:BATCH])
            publish_pipelined(publisher, load[:1])
            baseline: list[float] = []
            chronox: list[float] = []
            calls: list[float] = []
            for repeat in range(repeats):
                for side in (0, 1) if repeat % 2 == 0 else (1, 0):
                    if side == 0:
                        baseline.append(publish_one_by_one(client, envelopes))
                    else:
                        elapsed, times = publish_pipelined(publisher, load)
                        chronox.append(elapsed)
                        calls += times
            # Correctness, not timing: nothing lost, the stream capped, the last event
            # in it the last one published.
            assert publisher.dropped == 0, publisher.dropped
            assert publisher.published == len(load[0].bars) + repeats * n, publisher.published
            key = stream_key(prefix, Timeframe.M1)
            length = client.xlen(key)
            # MAXLEN ~ trims whole stream nodes (100 entries by default): a little slack.
            total = publisher.published
            assert min(total, STREAM_MAXLEN) <= length <= STREAM_MAXLEN + 1_000, length
            newest_entries = client.xrevrange(key, count=1)
            ((_, newest),) = cast(list[tuple[bytes, dict[bytes, bytes]]], newest_entries)
            assert decode(newest[b"event"]) == events[-1]
        finally:
            publisher.close()
            client.close()
    against = wire_against_library(url, load, repeats)
    timings = Comparison(Timing(tuple(baseline)), Timing(tuple(chronox)))
    one_by_one, pipelined = timings.baseline.median, timings.chronox.median
    call, longest = statistics.median(calls), max(calls)
    size = len(load[0].bars)
    per_batch_baseline = one_by_one / n * size
    return [
        asdict(
            Figure(
                benchmark="redis",
                what=f"deliver {n:,} 1m bar events to Redis (loopback): RedisPublisher, "
                "PUBLISH + XADD per bar in pipelined chunks, until flush()",
                baseline=f"one PUBLISH per round trip, envelopes pre-encoded, no stream: "
                f"{seconds(one_by_one)} ({rate(n, one_by_one, 'bars')})",
                chronox=f"{seconds(pipelined)} ({rate(n, pipelined, 'bars')})",
                ratio=timings.speedup,
                ratio_label="the baseline's throughput",
                target="none (reported)",
                met=None,
                data={
                    "bars": n,
                    "baseline_s": one_by_one,
                    "chronox_s": pipelined,
                    "baseline_bars_per_s": n / one_by_one,
                    "chronox_bars_per_s": n / pipelined,
                },
            )
        ),
        asdict(
            Figure(
                benchmark="redis",
                what=f"what the ingest waits for: RedisPublisher.publish() of a {size:,}-bar "
                "batch, median (the longest call includes interpreter pauses: GC, GIL)",
                baseline=f"publishing the batch one PUBLISH at a time: "
                f"{seconds(per_batch_baseline)}",
                chronox=f"{seconds(call)} (longest {seconds(longest)})",
                ratio=per_batch_baseline / call,
                ratio_label="less",
                target=f"< {seconds(TARGET_PUBLISH_CALL)}",
                met=call < TARGET_PUBLISH_CALL,
                data={
                    "batch": size,
                    "median_call_s": call,
                    "longest_call_s": longest,
                    "baseline_s": per_batch_baseline,
                },
            )
        ),
        *(asdict(wire_figure(against, how, judged=not quick)) for how in ("flushed", "sent")),
    ]


#: The hand-written wire stays only while it beats redis-py's pipeline by this much.
KEEP_WIRE_ABOVE = 1.3


def wire_figure(against: dict[str, Any], how: str, judged: bool = True) -> Figure:
    """The figure of :func:`wire_against_library`; a smoke run's (a few chunks, one
    repeat: the thread's start and first calls weigh as much as the sends) judges
    nothing."""
    n = against["events"]
    timings = Comparison(
        Timing(tuple(against[how]["library"])), Timing(tuple(against[how]["wire"]))
    )
    library, wire = timings.baseline.median, timings.chronox.median
    what = (
        "RedisPublisher.publish() of every batch until flush()"
        if how == "flushed"
        else f"the drainer's send alone, {CHUNK}-event chunks in one thread"
    )
    return Figure(
        benchmark="redis",
        what=f"{n:,} bar events, PUBLISH + XADD each, the stream uncapped: {what}; "
        "the same entries in the stream both ways",
        baseline=f"redis-py pipeline(transaction=False): {seconds(library)} "
        f"({rate(n, library, 'bars')})",
        chronox=f"chronox's RESP writer (_Wire): {seconds(wire)} ({rate(n, wire, 'bars')})",
        ratio=timings.speedup,
        ratio_label="redis-py's pipeline throughput",
        target=f"> {KEEP_WIRE_ABOVE}x, else redis-py's pipeline replaces it"
        if judged
        else "none (smoke run)",
        met=timings.speedup > KEEP_WIRE_ABOVE if judged else None,
        data={
            "bars": n,
            "library_s": library,
            "wire_s": wire,
            "repeats": len(against[how]["wire"]),
        },
    )


if __name__ == "__main__":  # python3 -m benchmarks.bench_redis [--quick]
    import sys

    for row in run("--quick" in sys.argv):
        print(row["what"])
        print(f"  baseline: {row['baseline']}\n  chronox:  {row['chronox']}")
        print(f"  ratio: {row['ratio']:.2f}x {row['ratio_label']}, target {row['target']}")
