"""The REST ``BarSource``: the aggregates endpoint through the official ``massive`` client.

The client provides the configuration that matters (base URL, bearer auth, TLS, its
urllib3 pool and timeouts); requests go through its pool directly so that every status
and header is seen here: a 429, a 403 of the plan, a 5xx, a hung response. Retries are
chronox's own (bounded, jittered), and so is the rate limiter, shared by every fetch.
Each attempt has a total deadline (``total_timeout``, :mod:`.deadline`), which a
response trickling in a byte at a time cannot stretch.

What the vendor documents, and what follows here (``.massive/rest.json`` is the
vendor's OpenAPI description, shipped in its official client's repository):

* ``limit`` "limits the number of base aggregates queried to create the aggregate
  results. Max 50000": base aggregates are minutes for every intraday timespan, so a
  page of 1h bars holds 50,000 *minutes* of them. Every request asks for 50,000 and the
  plan sizes it in minutes (:meth:`PolygonRestSource.request_limit`).
* ``next_url`` carries only a cursor (its example's cursor is base64 of
  ``limit=2&sort=asc``): every other parameter, ``adjusted`` above all, is sent again
  on each follow-up page, or the vendor's default (adjusted) would apply from page 2.
* The vendor documents no ``Retry-After`` on a 429; its quota is per minute. Without
  the header a 429 waits for the next quota window, and the limiter learns the pace.
* A plan limit is a 403 ``NOT_AUTHORIZED`` for that window (how far back a plan may
  read): the window is refused, the others are still asked for.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import urllib3
from massive import RESTClient
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from chronox_adapters.polygon.config import PolygonConfig
from chronox_adapters.polygon.deadline import Deadline, watch_deadlines
from chronox_adapters.polygon.grouped import parse_grouped
from chronox_adapters.polygon.parsing import (
    MAX_BASE_AGGREGATES,
    RANGES,
    AggregatesPage,
    NotAJsonObject,
    aggregate_bars,
    decode_aggregates,
)
from chronox_adapters.polygon.ratelimit import RateLimiter
from chronox_adapters.polygon.retry import Backoff, parse_retry_after
from chronox_domain.bar import Bar
from chronox_domain.errors import (
    MalformedData,
    RateLimited,
    SourceUnavailable,
    WindowRefused,
)
from chronox_domain.grouped import MarketDay
from chronox_domain.interval import Interval
from chronox_domain.metrics import NO_METRICS
from chronox_domain.planning import RequestLimit
from chronox_domain.ports import Fetched, Metrics, RequestLimiter
from chronox_domain.redaction import redact
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)

#: A decoded answer: the aggregates endpoint's typed page, or another endpoint's JSON.
Page = TypeVar("Page", AggregatesPage, dict[str, Any])

_TRANSIENT = (
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.MaxRetryError,
    urllib3.exceptions.SSLError,
    ConnectionError,
)

#: The vendor's ``status`` of an answer that is an error, even with HTTP 200.
_VENDOR_ERRORS = ("ERROR", "NOT_AUTHORIZED")
#: How much of a vendor's error text is kept: enough to read, never a whole page.
_TEXT_KEPT = 200
#: The vendor's words for a key it does not know, whatever the status it comes with.
_UNKNOWN_KEY = re.compile(r"unknown api key|invalid api key|api key .*(invalid|missing)", re.I)


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.name = config.source_name
        self.limiter: RequestLimiter = limiter or RateLimiter(
            config.rate_per_minute, window=config.quota_window
        )
        self._sleep = sleep
        self._clock = clock
        self._backoff = Backoff(config.backoff_base, config.backoff_cap)
        self._client = RESTClient(
            config.api_key,
            base=config.base_url.rstrip("/"),
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries=0,
            pagination=True,
        )
        watch_deadlines(self._client.client)
        self.http_requests = 0
        self.retries = 0
        self.rate_limited = 0

    def __repr__(self) -> str:
        return f"PolygonRestSource({self.config!r})"

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        # The vendor's limit counts base aggregates: minutes below a day, days for days.
        unit = Timeframe.D1 if timeframe is Timeframe.D1 else Timeframe.M1
        return RequestLimit(MAX_BASE_AGGREGATES, unit)

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        """Every page of ``window``; bars outside it (the vendor sends some) dropped."""
        ticker = parse_symbol(symbol)
        multiplier, timespan = RANGES[timeframe]
        first_ms, last_ms = _ms(window.start), _ms(window.end) - 1  # the vendor's `to` is inclusive
        path = f"/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{first_ms}/{last_ms}"
        # Always as traded: the store holds raw bars and reads adjust them.
        adjusted = "false"
        asked = {"adjusted": adjusted, "sort": "asc", "limit": str(MAX_BASE_AGGREGATES)}
        what = f"{ticker} {timeframe} {window}"
        bars: list[Bar] = []
        url, params = self._url(path), asked
        first, end = window.start, window.end
        while url:
            page = self._get(url, params, what, lambda body: decode_aggregates(body, ticker))
            _check_adjusted(page.adjusted, False, what)
            parsed = aggregate_bars(page, ticker, timeframe)
            bars += [bar for bar in parsed if first <= bar.start < end]  # window.contains
            url, params = self._follow(page.next_url, {"adjusted": adjusted})
        bars.sort(key=attrgetter("start"))  # in C: pages come sorted, so this is one pass
        return Fetched(bars, [window])

    def market_day(self, day: date) -> MarketDay:
        """Every ticker's daily bar of ``day`` (``MarketDaySource``), one request: the
        grouped daily endpoint, as traded (``adjusted=false``) and without OTC
        securities (``include_otc=false``, the vendor's default, said explicitly). A
        date without a session answers no bars (the vendor leaves ``results`` out)."""
        path = f"/v2/aggs/grouped/locale/us/market/stocks/{day.isoformat()}"
        what = f"the whole market's daily bars of {day}"
        query = {"adjusted": "false", "include_otc": "false"}
        page = self._get(self._url(path), query, what, _json_object)
        _check_adjusted(page.get("adjusted"), False, what)
        try:
            return parse_grouped(page, day)
        except MalformedData as exc:
            raise SourceUnavailable(f"the vendor sent a malformed answer: {exc}") from None

    def get_pages(self, path: str, params: dict[str, str], what: str) -> list[dict[str, Any]]:
        """Every page of a paginated JSON answer (other endpoints: splits)."""
        pages = []
        url: str = self._url(path)
        query: dict[str, str] = params
        while url:
            page = self._get(url, query, what, _json_object)
            pages.append(page)
            url, query = self._follow(page.get("next_url"), {})
        return pages

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def _follow(self, next_url: object, keep: dict[str, str]) -> tuple[str, dict[str, str]]:
        """The next page's URL and query: a page's ``next_url`` re-rooted on the
        configured base URL (as the official client does: a proxy or a regional endpoint
        in front of the vendor stays in the path), its cursor, and ``keep``, which the
        cursor omits."""
        if not isinstance(next_url, str) or not next_url:
            return "", {}
        parts = urlsplit(next_url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return self._url(parts.path), {**keep, **query}

    def _get(
        self, url: str, params: dict[str, str], what: str, decode: Callable[[bytes], Page]
    ) -> Page:
        """One JSON page, decoded by ``decode``, through tenacity: 429s are waited out
        for ``rate_limit_patience`` seconds, other transient faults (a body that is not
        JSON among them) retried up to ``max_retries`` times; each attempt is counted in
        the metrics."""
        budget = _Budget(self.config, self._clock)
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            stop=budget.spent,
            wait=lambda state: self._pause(_problem(state), budget.faults),
            before_sleep=self._retrying,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.limiter.acquire()
                    page = self._attempt(url, params, what, decode)
        except _Retry as problem:
            self.metrics.vendor_request(self.name, problem.status, failed=True, retried=False)
            raise budget.gave_up(problem, what) from None
        self.metrics.vendor_request(self.name, "200", failed=False, retried=False)
        return page

    def _retrying(self, state: RetryCallState) -> None:
        self.retries += 1
        problem = _problem(state)
        self.metrics.vendor_request(self.name, problem.status, failed=True, retried=True)

    def _pause(self, problem: _Retry, attempt: int) -> float:
        """How long to wait before the next try of a request that ``problem`` spoiled."""
        if not problem.limited:
            delay = self._backoff.delay(attempt, problem.retry_after)
            log.warning("vendor: %s; retry %d in %.1fs", problem, attempt, delay)
            return delay
        self.rate_limited += 1
        if problem.retry_after is not None:
            # The vendor said when: no need to guess its quota.
            delay = self._backoff.delay(1, problem.retry_after)
            pace = None
        else:
            delay = self._until_next_window()
            pace = self.limiter.throttled()
        # Normal traffic against a quota: said once per 429, at INFO, not as a failure.
        log.info(
            "vendor: %s; waiting %.1fs for the next quota window%s",
            problem,
            delay,
            f" (pace now {pace} requests a window)" if pace is not None else "",
        )
        return delay

    def _until_next_window(self) -> float:
        """Seconds to the next quota window (wall-clock minutes), plus up to 5 % jitter
        so that many clients refused together do not come back in one burst."""
        window = self.config.quota_window
        now = self._clock()
        left = window - (now % window)
        return left + random.random() * 0.05 * window

    def _attempt(
        self, url: str, params: dict[str, str], what: str, decode: Callable[[bytes], Page]
    ) -> Page:
        self.http_requests += 1
        where = urlsplit(url).path
        total = self.config.total_timeout
        try:
            with Deadline(total) as deadline:
                response = self._client.client.request(
                    "GET",
                    url,
                    fields=params,
                    headers=self._client.headers,
                    timeout=urllib3.Timeout(
                        connect=self.config.connect_timeout,
                        read=self.config.read_timeout,
                        total=total,
                    ),
                    retries=False,
                )
        except _TRANSIENT as exc:
            if deadline.expired:  # the deadline cut the connection: that is the cause
                raise _Retry(f"{where}: no whole answer within {total:g}s", "timeout") from None
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
            raise self._refusal(status, response.data, what)
        try:
            page = decode(response.data)
        except NotAJsonObject as exc:
            raise _Retry(f"{where}: {exc}", "malformed") from None
        except MalformedData as exc:
            # An error answer is an error whatever its shape; anything else is broken.
            if _vendor_text(response.data, "")[0] in _VENDOR_ERRORS:
                self.metrics.vendor_request(self.name, "error", failed=True, retried=False)
                raise self._refusal(status, response.data, what) from None
            self.metrics.vendor_request(self.name, "malformed", failed=True, retried=False)
            raise SourceUnavailable(f"the vendor sent a malformed page: {exc}") from None
        said = page.status if isinstance(page, AggregatesPage) else page.get("status")
        if said in _VENDOR_ERRORS:
            self.metrics.vendor_request(self.name, "error", failed=True, retried=False)
            raise self._refusal(status, response.data, what)
        return page

    def _refusal(self, status: int, body: bytes, what: str) -> SourceUnavailable:
        """The error a non-retryable answer means, with the vendor's own words (cut
        short, the key taken out). A key the vendor does not know stops everything; a
        403 is a limit of the plan for this window (how far back it may read, say)."""
        vendor_status, text = _vendor_text(body, self.config.api_key)
        # "ERROR" says nothing the HTTP status does not; NOT_AUTHORIZED does.
        said = f"{status} {vendor_status}" if vendor_status not in ("", "ERROR") else str(status)
        if status == 401 or _UNKNOWN_KEY.search(text):
            return SourceUnavailable(
                f"the vendor refused the API key ({said}: {text}); check POLYGON_API_KEY"
            )
        if status == 403 or vendor_status == "NOT_AUTHORIZED":
            return WindowRefused(f"the vendor refused {what} ({said}): {text}")
        if status == 404:
            return VendorNotFound(f"the vendor answered {said} for {what}: {text}")
        return SourceUnavailable(f"the vendor answered {said} for {what}: {text}")


class VendorNotFound(SourceUnavailable):
    """The vendor answered 404: what was asked does not exist there (a reference
    endpoint's unknown ticker, say). A source error still, for callers that do not care
    which; a caller that does catches this type rather than reading the message."""


class _Budget:
    """What one request may still spend on retries: 429s for a time (the vendor's quota
    is per minute), other faults by count."""

    def __init__(self, config: PolygonConfig, clock: Callable[[], float]) -> None:
        self._config = config
        self._clock = clock
        self.faults = 0
        self.limited_since: float | None = None

    def spent(self, state: RetryCallState) -> bool:
        """tenacity's stop: called once after each failed attempt."""
        problem = _problem(state)
        if problem.limited:
            if self.limited_since is None:
                self.limited_since = self._clock()
            return self._clock() - self.limited_since >= self._config.rate_limit_patience
        self.faults += 1
        return self.faults > self._config.max_retries

    def gave_up(self, problem: _Retry, what: str) -> SourceUnavailable:
        if problem.limited and self.limited_since is not None:
            waited = self._clock() - self.limited_since
            return RateLimited(
                f"the vendor kept refusing requests for {what} for its rate limit for "
                f"{waited:.0f}s: {problem} (set CHRONOX_POLYGON_RATE to the plan's quota)"
            )
        return SourceUnavailable(
            f"vendor request for {what} failed after {self.faults} attempts: {problem}"
        )


def _problem(state: RetryCallState) -> _Retry:
    failure = state.outcome.exception() if state.outcome is not None else None
    if not isinstance(failure, _Retry):  # retry_if_exception_type lets only these through
        raise TypeError(f"not a transient vendor failure: {failure!r}")
    return failure


def _check_adjusted(said: object, adjusted: bool, what: str) -> None:
    """A page on the other price basis (its ``adjusted``: ``said``) would mix two bases
    in one series: refuse it."""
    if isinstance(said, bool) and said is not adjusted:
        basis = "split-adjusted" if said else "unadjusted"
        raise SourceUnavailable(
            f"the vendor answered {what} with {basis} prices, the opposite of what was "
            "asked; nothing of it was stored"
        )


def _vendor_text(body: bytes, api_key: str) -> tuple[str, str]:
    """(the vendor's ``status``, its ``error``/``message``) of an error body, summarised:
    cut to a readable length, with the key and any bearer token taken out (a proxy
    that echoes the request would otherwise put them in our error line)."""
    vendor_status = ""
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        vendor_status = str(decoded.get("status") or "")[:40]
        text = str(decoded.get("message") or decoded.get("error") or "no message")
    else:
        text = body[: _TEXT_KEPT * 2].decode("utf-8", "replace")
        text = re.sub(r"<[^>]*>", " ", text)  # a gateway's HTML page
    text = " ".join(text.split())[:_TEXT_KEPT]
    return redact(vendor_status, [api_key]), redact(text, [api_key]) or "no message"


def _json_object(body: bytes) -> dict[str, Any]:
    """Another endpoint's answer, as plain JSON (``NotAJsonObject`` if it is not one)."""
    try:
        page = json.loads(body)
    except ValueError:
        raise NotAJsonObject("malformed JSON") from None
    if not isinstance(page, dict):
        raise NotAJsonObject("unexpected JSON document")
    return page


def _transport_status(exc: BaseException) -> str:
    """A transport failure as a status label: it never reached an HTTP status."""
    return "timeout" if isinstance(exc, urllib3.exceptions.TimeoutError) else "connection"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
