"""The unified daemon: live bars stored and published, backfill closing what live missed,
a disconnect's hole filled, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import InProcessBus
from chronox_adapters.polygon import PolygonConfig, PolygonLiveSource, PolygonRestSource
from chronox_adapters.synthetic import SyntheticLiveSource, SyntheticSource
from chronox_domain import BarBatch, SessionKind, SymbolEntry, Timeframe
from chronox_domain.ports import BarSource, LiveBarSource, MarketDataRepository
from chronox_domain.services import CoverageService
from chronox_domain.services.live import UnifiedDaemon
from tests.conftest import Stack
from tests.polygon_stub import PolygonStub
from tests.process_lines import StderrLines

pytestmark = pytest.mark.integration

OPEN = datetime(2024, 11, 26, 14, 30, tzinfo=UTC)


def build(
    stack: Stack, clock: FixedClock, history: BarSource, live: LiveBarSource
) -> tuple[UnifiedDaemon, MarketDataRepository, InProcessBus, CoverageService]:
    """The application's daemon on the memory store and the in-process bus, SPY's
    minutes registered; a backfill pass every 0.3 s (finer than the setting's seconds)."""
    app = stack(clock=clock, source=history, live_source=live)
    app.registry().put(SymbolEntry("SPY", (Timeframe.M1,), SessionKind.RTH))
    daemon = app.daemon(backfill_every=timedelta(seconds=0.3), lookback=timedelta(days=1))
    return daemon, app.repository(), app.publisher(), app.coverage()


async def run_until(daemon: UnifiedDaemon, condition: object, limit: float = 15.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    await asyncio.wait_for(daemon.ready.wait(), 10)
    assert daemon.subscriptions == ("SPY",)
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)


def test_live_bars_are_stored_provisional_published_and_backfill_closes_the_rest(
    calendar: ExchangeCalendar, stack: Stack
) -> None:
    clock = FixedClock(OPEN + timedelta(minutes=30))
    live = SyntheticLiveSource(calendar, replay_from=OPEN, speed=6000, now=clock.now)
    daemon, _repository, bus, coverage = build(stack, clock, SyntheticSource(calendar), live)
    seen: list[BarBatch] = []
    bus.listen(seen.append)

    asyncio.run(
        run_until(daemon, lambda: daemon.report.live_bars >= 20 and daemon.report.backfills)
    )

    live_batches = [b for b in seen if b.source == "synthetic" and len(b.bars) == 1]
    assert len(live_batches) >= 20
    assert all(b.is_provisional(b.bars[0]) for b in live_batches)
    # Backfill fetched everything up to now that live had not (the lookback's sessions).
    assert coverage.missing("SPY", Timeframe.M1, SessionKind.RTH, date(2024, 11, 25), None,
                            until_now=True).missing == []  # fmt: skip


def test_the_hole_a_disconnect_left_is_backfilled(stack: Stack) -> None:
    with PolygonStub(api_key="k") as stub:
        clock = FixedClock(OPEN)  # nothing of the session is due yet
        config = PolygonConfig(
            api_key="k", base_url=stub.base_url, ws_host=stub.ws_host, ws_secure=False,
            backoff_base=0.05, backoff_cap=0.2,
        )  # fmt: skip
        daemon, repository, _, coverage = build(
            stack, clock, PolygonRestSource(config), PolygonLiveSource(config)
        )

        async def scenario() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(daemon.run(stop))
            await asyncio.to_thread(stub.live.wait_for_subscribers, 1, 10.0, "AM.SPY")
            stub.faults.ws_disconnect_after(5, abrupt=True)
            # 15 minutes are played; the connection drops after 5 of them.
            await asyncio.to_thread(stub.live.play, ["SPY"], OPEN, 15)
            clock.advance(timedelta(minutes=20))  # the played minutes are now past
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                missing = coverage.missing(
                    "SPY", Timeframe.M1, SessionKind.RTH, OPEN, OPEN + timedelta(minutes=15),
                    until_now=True,
                ).missing  # fmt: skip
                if not missing and daemon.report.live_bars >= 5:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(task, 10)

        asyncio.run(scenario())
        stored = list(
            repository.bars("SPY", Timeframe.M1, _span(OPEN, OPEN + timedelta(minutes=15)))
        )
        expected = stub.expected_bars(
            "SPY", Timeframe.M1, _span(OPEN, OPEN + timedelta(minutes=15))
        )
        assert [b.start for b in stored] == [b.start for b in expected]
        # Live delivered the first minutes only; the rest came from the backfill.
        assert 5 <= daemon.report.live_bars < len(expected)


def test_sigterm_stops_the_daemon_cleanly(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'daemon.sqlite3'}"
    env = {
        **os.environ,
        "CHRONOX_STORE": store,
        "CHRONOX_SYNTHETIC_LIVE_FROM": "2024-11-26T14:30:00Z",
        "CHRONOX_SYNTHETIC_LIVE_SPEED": "600",
    }
    env.pop("POLYGON_API_KEY", None)
    env.pop("MASSIVE_API_KEY", None)
    cli = [sys.executable, "-m", "chronox_entrypoints.cli.main"]
    subprocess.run([*cli, "registry", "add", "SPY"], env=env, check=True, timeout=60)
    daemon = subprocess.Popen(
        [*cli, "stream", "--backfill-every", "3600", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        err_lines = StderrLines(daemon)
        ready = err_lines.wait_for("stream: ready:", timeout=60)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.stdout is not None
        out = daemon.stdout.read()
        daemon.wait(timeout=30)
    finally:
        daemon.kill()
    err = err_lines.rest()
    assert daemon.returncode == 0, err
    assert ready == "stream: ready: live feed subscribing to 1 symbol, first backfill pass running"
    assert '"live_bars"' in out and "Traceback" not in err


def _span(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    from chronox_domain import Interval

    return Interval(start, end)
