"""One status line: API, store and event health, the live feed, vendor trouble, demo data.

The API's health and info come from ``/health`` and ``/info``, vendor 429s and rejected
bars from the counters of ``/metrics``; the live feed's state from what the feed
reports (connected, and when its last bar arrived), judged against whether a session
is open now: no bar for minutes is normal at night and lagging at 11:00."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.errors import ChronoxError, SourceUnavailable, Unauthorized
from chronox_presentation import SessionOut

#: Without a bar for this long while a session is open, the feed is lagging.
LAG = timedelta(minutes=3)
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", re.MULTILINE)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class StatusReport:
    api: str  # "connected", "disconnected" or "unauthorized"
    store: str = ""
    events: str = ""
    healthy: bool = False
    #: Shown over the chart whenever the bars are synthetic demo data.
    banner: str = ""
    vendor_429s: int = 0
    rejected_bars: int = 0
    feed: str = ""
    #: One line on what went wrong, for the status bar; empty when nothing did.
    problem: str = ""
    parts: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        """The status bar's text."""
        pieces = [f"API {self.api}"]
        if self.api == "connected":
            pieces += [f"store {self.store}", f"events {self.events}"]
        if self.feed:
            pieces.append(f"feed {self.feed}")
        pieces.append(f"vendor 429s {self.vendor_429s}")
        pieces.append(f"rejected bars {self.rejected_bars}")
        return " · ".join(pieces)


def counter_total(metrics: str, name: str, **labels: str) -> int:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for found in _SAMPLE.finditer(metrics):
        if found.group(1) != name:
            continue
        given = dict(_LABEL.findall(found.group(2) or ""))
        if all(given.get(key) == value for key, value in labels.items()):
            try:
                total += float(found.group(3))
            except ValueError:
                continue
    return int(total)


class StatusPresenter:
    def __init__(
        self,
        client: ChronoxClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self._now = now
        self._lock = threading.Lock()
        self.feed_connected = False
        self.last_bar_at: datetime | None = None
        self._sessions: list[SessionOut] = []
        self._sessions_day: object = None
        self.report = StatusReport(api="connecting")

    # -- what the live feed tells

    def feed_state(self, connected: bool) -> None:
        self.feed_connected = connected

    def bar_arrived(self, when: datetime | None = None) -> None:
        self.last_bar_at = when or self._now()

    # -- asking the API

    def refresh(self) -> StatusReport:
        try:
            health = self.client.health()
            info = self.client.info()
            metrics = self.client.metrics()
            self._today_sessions()
        except Unauthorized as error:
            report = StatusReport(api="unauthorized", problem=str(error))
        except SourceUnavailable as error:
            report = StatusReport(api="disconnected", feed="disconnected", problem=str(error))
        except ChronoxError as error:
            report = StatusReport(api="connected", problem=str(error))
        else:
            banner = ""
            if info.demo or health.vendor.startswith("synthetic"):
                banner = f"DEMO DATA: bars from the {info.source} source, not market prices"
            report = StatusReport(
                api="connected",
                store=health.store,
                events=health.events,
                healthy=health.status == "ok",
                banner=banner,
                vendor_429s=counter_total(metrics, "chronox_vendor_requests_total", status="429"),
                rejected_bars=counter_total(metrics, "chronox_bars_rejected_total"),
                feed=self.feed_text(),
            )
        with self._lock:
            self.report = report
        return report

    def feed_text(self) -> str:
        """connected / lagging N min / waiting (no session open) / disconnected."""
        if not self.feed_connected:
            return "disconnected"
        now = self._now()
        if not self.session_open(now):
            return "connected (market closed)"
        if self.last_bar_at is None:
            return "connected, no bar yet"
        age = now - self.last_bar_at
        if age > LAG:
            return f"lagging: last bar {int(age.total_seconds() // 60)} min ago"
        return "live"

    def session_open(self, moment: datetime) -> bool:
        return any(day.open <= moment < day.close for day in self._sessions)

    def _today_sessions(self) -> None:
        today = self._now().date()
        if self._sessions_day != today:
            self._sessions = self.client.sessions(
                today - timedelta(days=1), today + timedelta(days=1), session="eth"
            )
            self._sessions_day = today
