"""``PrometheusMetrics``: the pipeline's counters, the API's latencies and the job states.

Each instance owns its registry (not prometheus-client's global one), so two apps in one
process, or two tests, never see each other's figures.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from chronox_domain.errors import ChronoxError
from chronox_domain.jobs import JobListing, JobState
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: Latency buckets (seconds) from a cached page (a millisecond) to a year's CSV stream.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
#: The methods a request's label may name; any other is ``OTHER``. Every label value
#: comes from a fixed set, never from what a client sent: each new value is a new series
#: held for the life of the process, so a client could otherwise grow the scrape (and
#: the server's memory) without end.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
#: What a vendor attempt that reached no HTTP status is called (beside 100..599).
VENDOR_OUTCOMES = frozenset({"timeout", "connection", "malformed", "error"})


class PrometheusMetrics:
    """Implements ``Metrics``; ``exposition()`` is what ``GET /metrics`` answers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        by_series = ["source", "timeframe"]
        by_status = ["source", "status"]
        self._written = self._counter("bars_ingested", "Bars stored by ingestion", by_series)
        self._rejected = self._counter(
            "bars_rejected", "Bars the invariants refused (their slots stay gaps)", by_series
        )
        self._closed = self._counter(
            "gap_windows_closed", "Gap windows a source answered for", by_series
        )
        self._requests = self._counter("vendor_requests", "HTTP attempts at the vendor", by_status)
        self._errors = self._counter(
            "vendor_errors", "Vendor attempts that brought no page", by_status
        )
        self._retries = self._counter("vendor_retries", "Vendor attempts retried", by_status)
        self._latency = Histogram(
            "chronox_http_request_duration_seconds",
            "API requests, from the first byte received to the last byte sent",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        self._jobs: _JobStates | None = None

    def _counter(self, name: str, text: str, labels: list[str]) -> Counter:
        return Counter(f"chronox_{name}", text, labels, registry=self.registry)

    def bars_ingested(self, source: str, timeframe: Timeframe, written: int, rejected: int) -> None:
        self._written.labels(source, timeframe.value).inc(written)
        self._rejected.labels(source, timeframe.value).inc(rejected)

    def gaps_closed(self, source: str, timeframe: Timeframe, windows: int) -> None:
        self._closed.labels(source, timeframe.value).inc(windows)

    def vendor_request(self, source: str, status: str, failed: bool, retried: bool) -> None:
        # The vendor (or a proxy before it) picks the status: bounded like a client's.
        status = status if status in VENDOR_OUTCOMES or _http_status(status) else OTHER
        self._requests.labels(source, status).inc()
        if failed:
            self._errors.labels(source, status).inc()
        if retried:
            self._retries.labels(source, status).inc()

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """``route`` is the route's template (``/bars/{symbol}``) or one word for no
        route: the caller's bound, as only the app knows its routes."""
        method = method if method in HTTP_METHODS else OTHER
        code = str(status) if _http_status(str(status)) else OTHER
        self._latency.labels(method, route, code).observe(seconds)

    def watch_jobs(self, listing: Callable[[], JobListing]) -> None:
        """Report ``chronox_jobs{state}`` from ``listing()`` at every scrape (the queue
        is the truth, and with Redis it is shared by every process), with the records
        the queue cannot read as ``state="unreadable"``: skipped by every listing, they
        would otherwise be seen nowhere an alert can look."""
        if self._jobs is not None:
            self.registry.unregister(self._jobs)
        self._jobs = _JobStates(listing)
        self.registry.register(self._jobs)

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


#: The ``state`` label of the job records a queue cannot read (no ``JobState`` of theirs).
UNREADABLE = "unreadable"


class _JobStates(Collector):
    def __init__(self, listing: Callable[[], JobListing]) -> None:
        self._listing = listing

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            listing = self._listing()
        except ChronoxError as exc:  # an unreachable queue must not break the scrape
            log.warning("metrics: cannot list jobs: %s", exc)
            return
        family = GaugeMetricFamily("chronox_jobs", "Backfill jobs by state", labels=["state"])
        states = Tally(job.state for job in listing.jobs)
        for state in JobState:
            family.add_metric([state.value], states[state])
        family.add_metric([UNREADABLE], len(listing.unreadable))
        yield family


def _http_status(text: str) -> bool:
    return text.isascii() and text.isdigit() and 100 <= int(text) <= 599
