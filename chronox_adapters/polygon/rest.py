"""The REST ``BarSource``: the aggregates endpoint through the official ``massive`` client.

The client provides the configuration that matters (base URL, bearer auth, TLS, its
urllib3 pool and timeouts); requests go through its pool directly so that every status
and header is seen here: a 429's ``Retry-After``, a 5xx, a hung response. Retries are
chronox's own (bounded, jittered), and so is the rate limiter, shared by every fetch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3
from massive import RESTClient

from chronox_adapters.polygon.config import PolygonConfig
from chronox_adapters.polygon.parsing import MAX_BARS, RANGES, parse_aggregates
from chronox_adapters.polygon.ratelimit import RateLimiter, RequestLimiter
from chronox_adapters.polygon.retry import Backoff, parse_retry_after
from chronox_domain.bar import Bar
from chronox_domain.errors import MalformedData, RateLimited, SourceUnavailable
from chronox_domain.interval import Interval
from chronox_domain.metrics import NO_METRICS
from chronox_domain.ports import Fetched, Metrics
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

_TRANSIENT = (
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.MaxRetryError,
    urllib3.exceptions.SSLError,
    ConnectionError,
)


class _Retry(Exception):
    """A transient failure of one attempt (the reason, and the vendor's Retry-After)."""

    def __init__(
        self, reason: str, status: str, retry_after: float | None = None, limited: bool = False
    ):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after
        self.limited = limited


class PolygonRestSource:
    """Historical bars from the vendor's aggregates endpoint (``BarSource``)."""

    demo = False

    def __init__(
        self,
        config: PolygonConfig,
        limiter: RequestLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.name = config.source_name
        self.limiter: RequestLimiter = limiter or RateLimiter(config.rate_per_minute)
        self._sleep = sleep
        self._backoff = Backoff(config.backoff_base, config.backoff_cap)
        self._client = RESTClient(
            config.api_key,
            base=config.base_url.rstrip("/"),
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries=0,
            pagination=True,
        )
        self.http_requests = 0
        self.retries = 0

    def __repr__(self) -> str:
        return f"PolygonRestSource({self.config!r})"

    def max_bars_per_request(self, timeframe: Timeframe) -> int:
        return MAX_BARS[timeframe]

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        """Every page of ``window``; bars outside it (the vendor sends some) dropped."""
        ticker = parse_symbol(symbol)
        multiplier, timespan = RANGES[timeframe]
        first_ms, last_ms = _ms(window.start), _ms(window.end) - 1  # the vendor's `to` is inclusive
        path = f"/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{first_ms}/{last_ms}"
        params: dict[str, str] | None = {
            "adjusted": "true" if self.config.adjusted else "false",
            "sort": "asc",
            "limit": str(MAX_BARS[timeframe] if timeframe is not Timeframe.D1 else 50_000),
        }
        bars: list[Bar] = []
        url = self.config.base_url.rstrip("/") + path
        while url:
            page = self._get(url, params, what=f"{ticker} {timeframe} {window}")
            try:
                parsed = parse_aggregates(page, ticker, timeframe)
            except MalformedData as exc:
                raise SourceUnavailable(f"the vendor sent a malformed page: {exc}") from None
            bars.extend(bar for bar in parsed if window.contains(bar.start))
            url = _on_base(self.config.base_url, page.get("next_url") or "")
            params = None  # next_url carries the query
        bars.sort(key=lambda bar: bar.start)
        return Fetched(bars, window)

    def get_json(self, path: str, params: dict[str, str], what: str) -> dict[str, Any]:
        """One JSON document of the vendor (other endpoints: splits)."""
        return self._get(self.config.base_url.rstrip("/") + path, params, what)

    def _get(self, url: str, params: dict[str, str] | None, what: str) -> dict[str, Any]:
        attempt = 0
        while True:
            self.limiter.acquire()
            try:
                page = self._attempt(url, params)
            except _Retry as problem:
                attempt += 1
                retried = attempt <= self.config.max_retries
                self.metrics.vendor_request(self.name, problem.status, failed=True, retried=retried)
                if not retried:
                    kind = RateLimited if problem.limited else SourceUnavailable
                    raise kind(
                        f"vendor request for {what} failed after {attempt} attempts: {problem}"
                    ) from None
                self.retries += 1
                delay = self._backoff.delay(attempt, problem.retry_after)
                log.warning("vendor: %s; retry %d in %.1fs", problem, attempt, delay)
                self._sleep(delay)
            else:
                self.metrics.vendor_request(self.name, "200", failed=False, retried=False)
                return page

    def _attempt(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        self.http_requests += 1
        where = urlsplit(url).path
        try:
            response = self._client.client.request(
                "GET",
                url,
                fields=params,
                headers=self._client.headers,
                timeout=urllib3.Timeout(
                    connect=self.config.connect_timeout,
                    read=self.config.read_timeout,
                    total=self.config.total_timeout,
                ),
                retries=False,
            )
        except _TRANSIENT as exc:
            raise _Retry(f"{where}: {type(exc).__name__}", _transport_status(exc)) from None
        status = response.status
        if status == 429:
            raise _Retry(
                f"{where}: rate limited (429)",
                "429",
                parse_retry_after(response.headers.get("Retry-After")),
                limited=True,
            )
        if status >= 500:
            raise _Retry(
                f"{where}: server error {status}",
                str(status),
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if status != 200:
            self.metrics.vendor_request(self.name, str(status), failed=True, retried=False)
        if status in (401, 403):
            raise SourceUnavailable(
                f"the vendor refused the API key ({status}): check POLYGON_API_KEY"
            )
        if status != 200:
            raise SourceUnavailable(
                f"vendor answered {status} for {where}: {_error_text(response)}"
            )
        try:
            page = json.loads(response.data)
        except ValueError:
            raise _Retry(f"{where}: malformed JSON", "malformed") from None
        if not isinstance(page, dict):
            raise _Retry(f"{where}: unexpected JSON document", "malformed")
        if page.get("status") == "ERROR":
            self.metrics.vendor_request(self.name, "error", failed=True, retried=False)
            raise SourceUnavailable(f"vendor error for {where}: {page.get('error', 'unknown')}")
        return page


def _transport_status(exc: BaseException) -> str:
    """A transport failure as a status label: it never reached an HTTP status."""
    return "timeout" if isinstance(exc, urllib3.exceptions.TimeoutError) else "connection"


def _error_text(response: Any) -> str:
    try:
        body = json.loads(response.data)
        return str(body.get("error") or body.get("message") or body)[:200]
    except (ValueError, AttributeError):
        return str(response.data[:200])


def _on_base(base_url: str, next_url: str) -> str:
    """``next_url`` re-rooted on the configured base URL, as the official client does:
    a proxy or a regional endpoint in front of the vendor stays in the path."""
    if not next_url:
        return ""
    parts = urlsplit(next_url)
    return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
