"""The REST API the stub answers: aggregates and splits, as the vendor shapes them.

Sources, cited where each behaviour is built:
- the vendor's OpenAPI spec, ``.massive/rest.json`` in polygon-io/client-python
  (called "rest.json" below);
- https://polygon.io/blog/aggs-api-updates ("Aggregate Data API Improvements", linked
  from rest.json's ``limit``);
- GitHub threads in polygon-io/issues and massive-com/client-python (formerly
  polygon-io/client-python), named by repository and number.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from chronox_domain import Bar, Interval, Timeframe
from tests.polygon_stub.data import (
    MILLISECOND,
    TIMESPANS,
    SplitList,
    StubData,
    from_ms,
    rest_result,
    split_adjusted,
    to_ms,
)
from tests.polygon_stub.faults import Fault, FaultKind, Faults
from tests.polygon_stub.reference_data import TradedAs

__all__ = ["Reply", "RestApi", "Route", "SplitList"]

# rest.json, /v2/aggs/... parameter ``limit``: "Max 50000 and Default 5000".
MAX_LIMIT = 50_000
DEFAULT_LIMIT = 5_000
# rest.json, /v3/reference/splits parameter ``limit``: "default is 10 and max is 1000".
SPLITS_DEFAULT_LIMIT = 10
SPLITS_MAX_LIMIT = 1_000
OUTSIDE_BARS = 3

_AGGS_PATH = re.compile(
    r"/v2/aggs/ticker/(?P<ticker>[^/]+)/range/(?P<multiplier>\d+)/(?P<timespan>[a-z]+)"
    r"/(?P<start>[^/]+)/(?P<end>[^/]+)"
)
_SPLITS_PATH = "/v3/reference/splits"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURSOR = re.compile(r"[A-Za-z0-9_-]+=*")
_NEW_YORK = ZoneInfo("America/New_York")
# The vendor's 429 body. The wording is the one quoted from live answers in public code
# (e.g. a mock of api.polygon.io/v3/reference/tickers answering 429 with
# {"status":"ERROR","request_id":...,"error":"You've exceeded the maximum requests per
# minute, please wait or upgrade your subscription to continue.
# https://polygon.io/pricing"}); since the rename the pricing page is massive.com's.
# Whether the live text now names massive.com or polygon.io is not confirmed.
_RATE_LIMITED = (
    "You've exceeded the maximum requests per minute, please wait or upgrade your "
    "subscription to continue. https://massive.com/pricing"
)
# 403 for data outside the plan: polygon-io/issues#313 and OpenBB-finance/OpenBB#4747
# quote {"status":"NOT_AUTHORIZED","request_id":"...","message":"Your plan doesn't
# include this data timeframe. Please upgrade your plan at https://polygon.io/pricing"}
# (note ``message``, not ``error``).
_PLAN_TIMEFRAME = (
    "Your plan doesn't include this data timeframe. Please upgrade your plan at "
    "https://polygon.io/pricing"
)
# 401 bodies as captured from the live API (a public write-up of the Massive API, "Responses
# captured from the live API"): a wrong key gets "Unknown API Key", none at all gets
# "API Key was not provided"; both {"status":"ERROR","request_id":...,"error":...}.
_UNKNOWN_KEY = "Unknown API Key"
_NO_KEY = "API Key was not provided"
_BAD_TIME = "Could not parse the time parameter: '{}'. Use YYYY-MM-DD or Unix MS Timestamps"
# The splits filters the stub does not implement: refused rather than ignored, so a
# client relying on one learns it here and not from real data.
_SPLITS_UNSUPPORTED = ("execution_date", "reverse_split", "ticker.")


class Route(Protocol):
    """More paths to answer (the reference endpoints, :mod:`tests.polygon_stub.reference`)."""

    def matches(self, path: str) -> bool: ...

    def answer(
        self, path: str, query: Mapping[str, str], headers: Mapping[str, str], request_id: str
    ) -> Reply: ...


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (the hang fault).
    delay: float = 0.0
    fault: str | None = None


@dataclass(slots=True)
class PageMemo:
    """Aggregates pages kept by (path, query without the key), and how often a request
    found its page kept (``hits``) or had it built (``misses``)."""

    replies: dict[tuple[str, tuple[tuple[str, str], ...]], Reply] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Quota:
    """At most ``limit`` requests per wall-clock window of ``window`` seconds.

    The vendor publishes "a limit of 5 API requests per minute" for its free tier
    (https://polygon.io/knowledge-base/article/what-is-the-request-limit-for-polygon-restful-apis)
    but not whether that minute is fixed or sliding. The stub takes fixed windows
    aligned on multiples of ``window`` seconds of ``clock()`` (``time.time()``), like
    per-minute buckets; a client that paces itself for a sliding minute is safe
    against both.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("quota must be at least 1 and quota_window positive")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._bucket: int | None = None
        self._used = 0

    def admit(self) -> bool:
        """Count one request; whether it fits in the current window."""
        bucket = int(self._clock() // self._window)
        with self._lock:
            if bucket != self._bucket:
                self._bucket, self._used = bucket, 0
            self._used += 1
            return self._used <= self._limit


class RestApi:
    """Turns (path, query, headers) into a :class:`Reply`; no sockets here."""

    def __init__(
        self,
        api_key: str,
        data: StubData,
        faults: Faults,
        page_size: int,
        *,
        quota: int | None = None,
        quota_window: float = 60.0,
        quota_scope: str = "aggs",
        clock: Callable[[], float] = time.time,
        history_from: date | None = None,
        tickers: set[str] | None = None,
        delayed: bool = False,
        answer_time: float = 0.0,
    ) -> None:
        if quota_scope not in ("aggs", "all"):
            raise ValueError("quota_scope is 'aggs' or 'all'")
        self.api_key = api_key
        self.splits: dict[str, SplitList] = {}
        #: Paths answered after the aggregates and /v3/reference/splits.
        self.routes: list[Route] = []
        #: Where ``next_url`` points; set once the server has its port.
        self.base_url = ""
        self.history_from = history_from
        #: None: every ticker is known. Otherwise the others get empty answers.
        self.known_tickers: set[str] | None = None if tickers is None else set(tickers)
        self.delayed = delayed
        #: Seconds every REST answer waits before it goes out (the vendor's latency).
        self.answer_time = answer_time
        #: The aggregates pages kept once built (``remember_pages``); None: built each time.
        self.pages: PageMemo | None = None
        #: ticker -> (the company's current ticker, the session dates it named it), or
        #: None for a ticker no rename involves: ``ReferenceData.traded_as``.
        self.traded_as: Callable[[str], TradedAs | None] = lambda ticker: None
        self._data = data
        self._faults = faults
        self._page_size = page_size
        self._quota = None if quota is None else _Quota(quota, quota_window, clock)
        self._quota_scope = quota_scope

    def answer(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Reply:
        """``headers`` are keyed by lower-case name."""
        request_id = uuid.uuid4().hex
        if (refused := self._refused_key(query, headers)) is not None:
            return _error(401, request_id, refused)
        if match := _AGGS_PATH.fullmatch(path):
            return self._aggs(match, path, query, headers, request_id)
        if path == _SPLITS_PATH:
            if self._quota_scope == "all" and not self._admitted():
                return self._quota_reply(request_id)
            return self._splits(query, request_id)
        for route in self.routes:
            if route.matches(path):
                if self._quota_scope == "all" and not self._admitted():
                    return self._quota_reply(request_id)
                return route.answer(path, query, headers, request_id)
        return _json(404, {"status": "NOT_FOUND", "request_id": request_id, "message": "Not Found"})

    # --- authentication, quota -------------------------------------------------------

    def _refused_key(self, query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
        """Why the key is refused, or None. The key goes in ``apiKey`` (rest.json,
        ``components.securitySchemes.apiKey``: in query, name ``apiKey``) or in
        ``Authorization: Bearer`` (what massive sends, massive/rest/base.py)."""
        bearer = headers.get("authorization")
        given = [key for key in (query.get("apiKey"),) if key is not None]
        if bearer is not None:
            given.append(bearer.removeprefix("Bearer "))
        if not given:
            return _NO_KEY
        return None if self.api_key in given else _UNKNOWN_KEY

    def _admitted(self) -> bool:
        return self._quota is None or self._quota.admit()

    @staticmethod
    def _quota_reply(request_id: str) -> Reply:
        # No Retry-After: the vendor documents none (rest.json declares no response
        # headers and no 429 at all; the knowledge-base article on request limits names
        # none) and reports of 429s from massive's client (polygon-io/issues#303,
        # massive-com/client-python#870) show urllib3 giving up with "too many 429 error
        # responses" after its short backoff, not waiting as it would for Retry-After.
        return replace(_error(429, request_id, _RATE_LIMITED), fault=FaultKind.QUOTA.value)

    # --- aggregates ------------------------------------------------------------------

    def _aggs(
        self,
        match: re.Match[str],
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        request_id: str,
    ) -> Reply:
        if not self._admitted():
            return self._quota_reply(request_id)
        if self._faults.rate_limited_now():
            reply = _error(429, request_id, _RATE_LIMITED)
            return replace(reply, fault=FaultKind.RATE_LIMIT_WINDOW.value)
        fault = self._faults.take()
        if fault is None:
            return self._remembered_page(match, path, query, request_id)
        if fault.kind is FaultKind.RATE_LIMIT:
            reply = _error(429, request_id, _RATE_LIMITED)
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = str(fault.retry_after)
        elif fault.kind is FaultKind.SERVER_ERROR:
            reply = _server_error(fault.status, request_id)
        elif fault.kind is FaultKind.ECHO_HEADERS:
            reply = _echo(fault.status, path, query, headers)
        else:
            reply = self._aggs_page(match, query, request_id, fault)
        return replace(reply, delay=fault.seconds, fault=fault.kind.value)

    def remember_pages(self) -> None:
        """From now on each aggregates page is built once and its bytes kept: a request
        asked again (``warm`` asks it ahead of time) costs the stub no CPU. Its
        ``request_id`` repeats; everything else is the page it would build."""
        if self.pages is None:
            self.pages = PageMemo()

    def warm(self, path: str, query: Mapping[str, str]) -> None:
        """Build and keep the page of ``path`` and ``query`` now (no key, no fault, no
        quota, no answer time): the request that asks it later is served from memory."""
        if self.pages is None:
            raise RuntimeError("remember_pages() first")
        match = _AGGS_PATH.fullmatch(path)
        if match is None:
            raise ValueError(f"not an aggregates path: {path}")
        self._remembered_page(match, path, query, uuid.uuid4().hex, count=False)

    def _remembered_page(
        self,
        match: re.Match[str],
        path: str,
        query: Mapping[str, str],
        request_id: str,
        count: bool = True,
    ) -> Reply:
        if self.pages is None:
            return self._aggs_page(match, query, request_id, None)
        key = (path, tuple(sorted((k, v) for k, v in query.items() if k != "apiKey")))
        with self.pages.lock:
            kept = self.pages.replies.get(key)
            if count:
                self.pages.hits += kept is not None
                self.pages.misses += kept is None
        if kept is None:
            kept = self._aggs_page(match, query, request_id, None)
            with self.pages.lock:
                self.pages.replies[key] = kept
        return kept

    def _aggs_page(
        self, match: re.Match[str], query: Mapping[str, str], request_id: str, fault: Fault | None
    ) -> Reply:
        ticker, start_text, end_text = match["ticker"], match["start"], match["end"]
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.EMPTY_OBJECT:
            return Reply(200, b"{}")
        timeframe = TIMESPANS.get((int(match["multiplier"]), match["timespan"]))
        if timeframe is None:
            supported = ", ".join(f"{m}/{span}" for m, span in TIMESPANS)
            return _error(400, request_id, f"the stub serves only {supported}")
        try:
            start = _moment(start_text, end=False)
        except (ValueError, OverflowError):
            return _error(400, request_id, _BAD_TIME.format("from"))
        try:
            end = _moment(end_text, end=True)
        except (ValueError, OverflowError):
            return _error(400, request_id, _BAD_TIME.format("to"))

        # A next_url carries only ``cursor``: base64 of "limit=N&sort=asc" (rest.json,
        # /v2/aggs/... 200 example: next_url ".../1578114000000/2020-01-10?cursor=
        # bGltaXQ9MiZzb3J0PWFzYw", i.e. "limit=2&sort=asc"; polygon-io/issues#303 shows
        # a live one, ".../1658156340000/2023-02-03?cursor=bGltaXQ9NTAwMCZzb3J0PWFzYw").
        # A follow-up takes limit and sort from it and everything else (``adjusted``)
        # from its own query. Whether the vendor lets an explicit ``limit`` next to a
        # cursor win is undocumented: here the cursor wins.
        paging: Mapping[str, str] = query
        if "cursor" in query:
            decoded = _decode_cursor(query["cursor"])
            if decoded is None:
                return _error(400, request_id, "invalid cursor")
            paging = decoded
        sort = paging.get("sort", "asc")
        if sort != "asc":
            return _error(400, request_id, "the stub sorts only asc")
        try:
            # rest.json: "Max 50000": a larger limit is served as 50000.
            limit = min(int(paging.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        except ValueError:
            limit = 0
        if limit < 1:
            return _error(400, request_id, "limit must be a positive integer")
        # rest.json, ``adjusted``: "By default, results are adjusted." The page's
        # ``adjusted`` ("Whether or not this response was adjusted for splits") is the
        # value used. Anything but true/false is refused (the vendor's answer to that
        # is undocumented).
        adjusted_text = query.get("adjusted", "true")
        if adjusted_text not in ("true", "false"):
            return _error(400, request_id, "adjusted must be true or false")
        adjusted = adjusted_text == "true"

        # A plan that reads only N years back: 403 NOT_AUTHORIZED (see _PLAN_TIMEFRAME).
        # Where exactly the vendor puts the boundary is undocumented: here ``from``'s
        # UTC date before ``history_from``.
        if self.history_from is not None and start.date() < self.history_from:
            return _json(
                403,
                {"status": "NOT_AUTHORIZED", "request_id": request_id, "message": _PLAN_TIMEFRAME},
            )

        bars: list[Bar] = []
        used = 0
        after: Bar | None = None
        # Tickers are case-sensitive (rest.json, ``stocksTicker``: "Specify a
        # case-sensitive ticker symbol"; polygon-io/issues#36: "AMpB is ticker: AM
        # preferred class B. Which is very different than AMPB"). A ticker the vendor
        # does not know gets an ordinary empty answer, as a ticker that did not trade
        # does (polygon-io/issues#2: counts 0 "is expected for symbols that did not
        # trade in a range").
        known = self.known_tickers is None or ticker in self.known_tickers
        series, start, end = self._renamed(ticker, timeframe, start, end)
        if start < end and known:
            window = Interval(start, end)
            bars, used, after = self._data.page(series, timeframe, window, limit, self._page_size)
            if not bars:
                # The first bar alone needs more base aggregates than ``limit``: the
                # vendor's answer is undocumented; the stub serves it nothing, and no
                # next_url (which would point at the same ``from`` for ever).
                after = None
            if kind is FaultKind.OUTSIDE_RANGE:
                before, later = self._data.around(ticker, timeframe, window, OUTSIDE_BARS)
                bars = before + bars + later
        if kind in (FaultKind.EMPTY_PAGE, FaultKind.NULL_RESULTS):
            bars, used, after = [], 0, None
        if kind is FaultKind.WRONG_BASIS:
            adjusted = not adjusted
        if adjusted:
            bars = split_adjusted(bars, self.splits.get(ticker, []))

        # Key order as the vendor sends them. ``queryCount``: "The number of aggregates
        # (minute or day) used to generate the response"; ``resultsCount``: the bars.
        body: dict[str, Any] = {
            "ticker": ticker,
            "queryCount": used,
            "resultsCount": len(bars),
            "adjusted": adjusted,
        }
        if kind is FaultKind.NULL_RESULTS:
            body["results"] = None  # polygon-io/issues#2: "results":null, counts 0
        elif bars:  # the vendor leaves the key out of an empty answer
            body["results"] = [rest_result(bar) for bar in bars]
        # ``status`` is a free string in rest.json ("The status of this request's
        # response"). Plans with delayed data answer "DELAYED" rather than "OK": seen in
        # public fixtures of snapshot answers ({"status": "DELAYED", "request_id": ...});
        # that aggregates do the same is not confirmed.
        status = "DELAYED" if self.delayed else "OK"
        body |= {"status": status, "request_id": request_id, "count": len(bars)}
        if after is not None:
            cursor = _encode_cursor({"limit": str(limit), "sort": sort})
            body["next_url"] = (
                f"{self.base_url}/v2/aggs/ticker/{ticker}/range/{match['multiplier']}"
                f"/{match['timespan']}/{to_ms(after.start)}/{end_text}?cursor={cursor}"
            )
        encoded = json.dumps(body).encode()
        if kind is FaultKind.MALFORMED:
            encoded = encoded[: len(encoded) // 2]
        return Reply(200, encoded)

    def _renamed(
        self, ticker: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> tuple[str, datetime, datetime]:
        """The series ``ticker`` stands for and the part of [start, end) it named it:
        a renamed company's bars only for the session dates it traded under ``ticker``
        (cited at ``ReferenceData.traded_as``), its current ticker's series throughout."""
        traded = self.traded_as(ticker)
        if traded is None:
            return ticker, start, end
        start = max(start, _session_start(traded.since, timeframe))
        if traded.until is not None:
            end = min(end, _session_start(traded.until, timeframe))
        return traded.company, start, end

    # --- splits ----------------------------------------------------------------------

    def _splits(self, query: Mapping[str, str], request_id: str) -> Reply:
        # v3 cursors carry the whole query (rest.json, /v3/reference/splits 200 example:
        # its cursor decodes to "active=true&date=...&limit=1&order=asc&page_marker=...
        # &sort=ticker"), so a follow-up's parameters all come from its cursor.
        params: Mapping[str, str] = query
        if "cursor" in query:
            decoded = _decode_cursor(query["cursor"])
            if decoded is None:
                return _error(400, request_id, "invalid cursor")
            params = decoded
        refused = [name for name in params if name.startswith(_SPLITS_UNSUPPORTED)]
        if refused:
            return _error(400, request_id, f"the stub does not filter splits by {refused[0]}")
        try:
            limit = int(params.get("limit", SPLITS_DEFAULT_LIMIT))
            offset = int(params.get("offset", 0))
        except ValueError:
            return _error(400, request_id, "limit must be an integer")
        # rest.json: limit ``minimum: 1, maximum: 1000``; out of range is refused (the
        # vendor's exact answer is undocumented).
        if not 1 <= limit <= SPLITS_MAX_LIMIT or offset < 0:
            return _error(400, request_id, f"limit must be between 1 and {SPLITS_MAX_LIMIT}")
        # rest.json: ``sort`` default "execution_date", enum execution_date/ticker;
        # ``order`` asc/desc, no default stated: the 200 example lists 2020-08-31 before
        # 2005-02-28, so newest first.
        sort = params.get("sort", "execution_date")
        order = params.get("order", "desc")
        if sort not in ("execution_date", "ticker") or order not in ("asc", "desc"):
            return _error(400, request_id, "sort is execution_date or ticker, order asc or desc")

        wanted = params.get("ticker")
        # rest.json, ``ticker``: "Specify a case-sensitive ticker symbol": an exact match.
        # With faults.splits_foreign_items() the other tickers' items come too (reported
        # of real answers, which sometimes list a related ticker; not documented).
        foreign = self._faults.splits_foreign()
        items = [
            (day, ticker, split_from, split_to)
            for ticker, splits in self.splits.items()
            if wanted is None or ticker == wanted or foreign
            for day, split_from, split_to in splits
        ]
        if sort == "execution_date":
            items.sort(key=lambda item: (item[0], item[1]), reverse=order == "desc")
        else:
            items.sort(key=lambda item: (item[1], item[0]), reverse=order == "desc")
        page = items[offset : offset + limit]
        results = [
            {
                "execution_date": day.isoformat(),
                "id": "E" + hashlib.sha256(f"{ticker}{day}".encode()).hexdigest()[:32],
                "split_from": split_from,
                "split_to": split_to,
                "ticker": ticker,
            }
            for day, ticker, split_from, split_to in page
        ]
        body: dict[str, Any] = {"results": results, "status": "OK", "request_id": request_id}
        if offset + limit < len(items):
            following = {"limit": str(limit), "order": order, "sort": sort}
            if wanted is not None:
                following["ticker"] = wanted
            following["offset"] = str(offset + limit)
            body["next_url"] = f"{self.base_url}{_SPLITS_PATH}?cursor={_encode_cursor(following)}"
        return _json(200, body)


def _session_start(day: date, timeframe: Timeframe) -> datetime:
    """The first bar start of session date ``day``: a daily bar is stamped 00:00Z of its
    date (chronox's stamp, the stub's series), an intraday one starts after midnight
    New York."""
    if timeframe is Timeframe.D1:
        return timeframe.daily_stamp(day)
    return datetime.combine(day, datetime.min.time(), _NEW_YORK).astimezone(UTC)


def _encode_cursor(params: Mapping[str, str]) -> str:
    """URL-safe base64 of the query, '=' padding dropped (as in rest.json's examples)."""
    return base64.urlsafe_b64encode(urlencode(params).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, str] | None:
    """The query a cursor stands for; None for one the stub did not make."""
    if not _CURSOR.fullmatch(cursor):
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return dict(parse_qsl(raw, keep_blank_values=True)) or None


def _moment(text: str, *, end: bool) -> datetime:
    """A ``from``/``to`` path segment as a half-open bound.

    Milliseconds are inclusive at both ends, as the vendor reads them. A date stands for
    its whole UTC day (the vendor uses the exchange's day; the adapter sends
    milliseconds, so the stub keeps to the simpler reading).
    """
    if text.isdigit():
        moment = from_ms(int(text))
        return moment + MILLISECOND if end else moment
    if not _DAY.fullmatch(text):
        raise ValueError(text)
    midnight = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    return midnight + timedelta(days=1) if end else midnight


def _json(status: int, body: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(body).encode())


def _error(status: int, request_id: str, message: str) -> Reply:
    return _json(status, {"status": "ERROR", "request_id": request_id, "error": message})


def _server_error(status: int, request_id: str) -> Reply:
    if status == 500:
        return _error(500, request_id, "Internal Server Error")
    # A 502/503/504 comes from the gateway in front of the API: nginx's HTML, not JSON
    # (polygon-io/issues#290 quotes "<html><head><title>504 Gateway Time-out</title>
    # </head>...<center>nginx/1.19.2</center>").
    page = f"<html><body><h1>{status} Gateway Error</h1></body></html>\n"
    return Reply(status, page.encode(), content_type="text/html")


def _echo(status: int, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Reply:
    """What some proxies send on an error: the request they got, headers and all."""
    target = f"{path}?{urlencode(query)}" if query else path
    lines = [f"GET {target} HTTP/1.1"]
    lines += [f"{'-'.join(part.capitalize() for part in name.split('-'))}: {value}"
              for name, value in headers.items()]  # fmt: skip
    body = f"{status} error from the proxy; the request was:\n" + "\n".join(lines) + "\n"
    return Reply(status, body.encode(), content_type="text/plain")
