"""``stream`` (the unified daemon) and ``watch`` (live bars as they are stored)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
from collections.abc import Sequence
from contextlib import suppress

import click

from chronox_domain.events import BarEvent, check_subscription
from chronox_domain.ports import EventSubscriber
from chronox_domain.ranges import Bound
from chronox_domain.services.backfill import BackfillOrchestrator, BackfillReport
from chronox_domain.services.live import DaemonReport, UnifiedDaemon
from chronox_domain.services.pipeline import Mode, Pipeline
from chronox_domain.timeformat import iso_utc
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.bar_events import event_fields
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import (
    SECONDS,
    json_option,
    store_option,
    timeframe_option,
)
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import emit_json, note


@click.command()
@click.option(
    "--backfill-every",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Seconds between backfill passes (default: $CHRONOX_BACKFILL_EVERY_SECONDS, 300).",
)
@click.option(
    "--duration",
    type=SECONDS,
    help="Stop by itself after this long (default: run until SIGTERM / Ctrl-C).",
)
@store_option
@json_option
def stream(
    backfill_every: int | None, duration: float | None, store: str | None, as_json: bool
) -> None:
    """Keep the registry complete: live bars plus periodic backfill (CHRONOX_MODE)."""
    with running(store=store, backfill_every_seconds=backfill_every) as container:

        def say(text: str) -> None:
            if not as_json:
                note(f"stream: {text}")

        every = container.settings().progress_log_seconds
        passes = LoggedPasses(container.backfill(), every)
        daemon = container.daemon(on_event=say, backfill=passes)
        pipeline = container.pipeline(daemon=daemon)
        if pipeline.mode is Mode.UNIFIED:
            live = container.live_source()
            say(f"live source {live.name}; symbols: {', '.join(daemon.symbols()) or 'none'}")
        else:
            say("mode backfill: periodic backfill only (CHRONOX_MODE=unified adds live bars)")
        report = asyncio.run(_run_until_stopped(pipeline, daemon, duration))
    if as_json:
        emit_json(dataclasses.asdict(report))  # every field of the report, in its order
    else:
        click.echo(
            f"stopped: {report.live_bars} live bars, {report.backfills} backfill passes "
            f"({report.backfilled_bars} bars)"
        )


class LoggedPasses:
    """The daemon's backfill, each pass logged at INFO (its progress as it runs and a
    line when it ends), as ``backfill`` logs its one pass.

    It stands in for the orchestrator the daemon is built with, and is what the daemon
    calls of it: ``run`` (the daemon offers no progress hook of its own)."""

    def __init__(self, orchestrator: BackfillOrchestrator, every: float) -> None:
        self._orchestrator = orchestrator
        self._every = every
        self._passes = 0

    def run(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
    ) -> BackfillReport:
        self._passes += 1
        label = f"stream: backfill pass {self._passes}"
        with progress_of(label, "requests", self._every, parts=True) as progress:
            return self._orchestrator.run(symbols, start, end, progress, progress.counted)


async def _run_until_stopped(
    pipeline: Pipeline, daemon: UnifiedDaemon, duration: float | None
) -> DaemonReport:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError, RuntimeError):  # not in the main thread
            loop.add_signal_handler(signum, stop.set)
    if duration is not None:
        loop.call_later(duration, stop.set)
    announcing = asyncio.create_task(_announce_ready(daemon))
    try:
        return await pipeline.run(stop)
    finally:
        announcing.cancel()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)


async def _announce_ready(daemon: UnifiedDaemon) -> None:
    """One line on stderr once the daemon runs, in every output mode: what supervisors
    and tests wait for (stdout stays the report alone)."""
    await daemon.ready.wait()
    count = len(daemon.subscriptions)
    live = (
        f"live feed subscribing to {count} symbol{'s' if count != 1 else ''}"
        if count
        else "no live feed"
    )
    note(f"stream: ready: {live}, first backfill pass running")


@click.command()
@click.argument("symbols", nargs=-1, required=True)
@timeframe_option
@click.option(
    "--replay",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="First print the last N stored bars of each symbol.",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many bars.")
@click.option("--duration", type=SECONDS, help="Stop after this long.")
@json_option
def watch(
    symbols: tuple[str, ...],
    timeframe: Timeframe,
    replay: int,
    count: int | None,
    duration: float | None,
    as_json: bool,
) -> None:
    """Print bars of SYMBOLS as they are stored (needs CHRONOX_REDIS_URL)."""
    with running() as container:
        check_subscription(symbols, container.settings().max_watch_symbols)
        subscriber = container.subscriber()
        seen = asyncio.run(_watch(subscriber, symbols, timeframe, replay, count, duration, as_json))
    if not as_json:
        note(f"watch: {seen} bars")


async def _watch(
    subscriber: EventSubscriber,
    symbols: tuple[str, ...],
    timeframe: Timeframe,
    replay: int,
    count: int | None,
    duration: float | None,
    as_json: bool,
) -> int:
    seen = 0
    stream = subscriber.subscribe(list(symbols), timeframe, replay)
    try:
        async with asyncio.timeout(duration):
            async for event in stream:
                _print_event(event, as_json)
                seen += 1
                if count is not None and seen >= count:
                    break
    except TimeoutError:
        pass
    finally:
        await stream.aclose()
    return seen


def _print_event(event: BarEvent, as_json: bool) -> None:
    bar = event.bar
    if as_json:
        click.echo(json.dumps(event_fields(event)))
        return
    flag = "provisional" if event.provisional else "final"
    click.echo(
        f"{bar.symbol} {bar.timeframe} {iso_utc(bar.start)} o={bar.open} h={bar.high} l={bar.low} "
        f"c={bar.close} v={bar.volume:g} {flag} {event.source}"
    )
