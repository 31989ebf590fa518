"""The REST API the stub answers: aggregates and splits, as the vendor shapes them."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from chronox_domain import Bar, Interval
from tests.polygon_stub.data import MILLISECOND, TIMESPANS, StubData, from_ms, rest_result, to_ms
from tests.polygon_stub.faults import Fault, FaultKind, Faults

SplitList = list[tuple[date, int, int]]

MAX_LIMIT = 50_000
DEFAULT_LIMIT = 5_000
OUTSIDE_BARS = 3

_AGGS_PATH = re.compile(
    r"/v2/aggs/ticker/(?P<ticker>[^/]+)/range/(?P<multiplier>\d+)/(?P<timespan>[a-z]+)"
    r"/(?P<start>[^/]+)/(?P<end>[^/]+)"
)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RATE_LIMITED = (
    "You've exceeded the maximum requests per minute, please wait or upgrade your "
    "subscription to continue. https://massive.com/pricing"
)
_BAD_TIME = "Could not parse the time parameter: '{}'. Use YYYY-MM-DD or Unix MS Timestamps"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (the hang fault).
    delay: float = 0.0
    fault: str | None = None


class RestApi:
    """Turns (path, query, headers) into a :class:`Reply`; no sockets here."""

    def __init__(self, api_key: str, data: StubData, faults: Faults, page_size: int) -> None:
        self.api_key = api_key
        self.splits: dict[str, SplitList] = {}
        #: Where ``next_url`` points; set once the server has its port.
        self.base_url = ""
        self._data = data
        self._faults = faults
        self._page_size = page_size

    def answer(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Reply:
        """``headers`` are keyed by lower-case name."""
        request_id = uuid.uuid4().hex
        if not self._authorised(query, headers):
            return _error(401, request_id, "Unknown API Key")
        if match := _AGGS_PATH.fullmatch(path):
            return self._aggs(match, query, request_id)
        if path == "/v3/reference/splits":
            return self._splits(query, request_id)
        return _json(404, {"status": "NOT_FOUND", "request_id": request_id, "message": "Not Found"})

    def _authorised(self, query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        return (
            headers.get("authorization") == f"Bearer {self.api_key}"
            or query.get("apiKey") == self.api_key
        )

    def _aggs(self, match: re.Match[str], query: Mapping[str, str], request_id: str) -> Reply:
        fault = self._faults.take()
        if fault is None:
            return self._aggs_page(match, query, request_id, None)
        if fault.kind is FaultKind.RATE_LIMIT:
            reply = _error(429, request_id, _RATE_LIMITED)
            reply.headers["Retry-After"] = str(fault.retry_after)
        elif fault.kind is FaultKind.SERVER_ERROR:
            reply = _server_error(fault.status, request_id)
        else:
            reply = self._aggs_page(match, query, request_id, fault)
        return replace(reply, delay=fault.seconds, fault=fault.kind.value)

    def _aggs_page(
        self, match: re.Match[str], query: Mapping[str, str], request_id: str, fault: Fault | None
    ) -> Reply:
        ticker, start_text, end_text = match["ticker"], match["start"], match["end"]
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
        if query.get("sort", "asc") != "asc":
            return _error(400, request_id, "the stub sorts only asc")
        try:
            limit = min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        except ValueError:
            limit = 0
        if limit < 1:
            return _error(400, request_id, "limit must be a positive integer")

        bars: list[Bar] = []
        after: Bar | None = None
        if start < end:
            window = Interval(start, end)
            bars, after = self._data.page(ticker, timeframe, window, min(limit, self._page_size))
            if fault is not None and fault.kind is FaultKind.OUTSIDE_RANGE:
                before, later = self._data.around(ticker, timeframe, window, OUTSIDE_BARS)
                bars = before + bars + later
        if fault is not None and fault.kind is FaultKind.EMPTY_PAGE:
            bars, after = [], None

        body: dict[str, Any] = {
            "ticker": ticker,
            "queryCount": len(bars),
            "resultsCount": len(bars),
            "adjusted": query.get("adjusted", "true") != "false",
        }
        if bars:  # the vendor leaves the key out of an empty answer
            body["results"] = [rest_result(bar) for bar in bars]
        body |= {"status": "OK", "request_id": request_id, "count": len(bars)}
        if after is not None:
            path = (
                f"/v2/aggs/ticker/{ticker}/range/{match['multiplier']}/{match['timespan']}"
                f"/{to_ms(after.start)}/{end_text}"
            )
            body["next_url"] = f"{self.base_url}{path}?{urlencode(query)}".rstrip("?")
        encoded = json.dumps(body).encode()
        if fault is not None and fault.kind is FaultKind.MALFORMED:
            encoded = encoded[: len(encoded) // 2]
        return Reply(200, encoded)

    def _splits(self, query: Mapping[str, str], request_id: str) -> Reply:
        wanted = query.get("ticker")
        found = sorted(
            (day, ticker, split_from, split_to)
            for ticker, splits in self.splits.items()
            if wanted in (None, ticker)
            for day, split_from, split_to in splits
        )
        results = [
            {
                "execution_date": day.isoformat(),
                "split_from": split_from,
                "split_to": split_to,
                "ticker": ticker,
                "id": "E" + hashlib.sha256(f"{ticker}{day}".encode()).hexdigest()[:32],
            }
            for day, ticker, split_from, split_to in found
        ]
        return _json(200, {"results": results, "status": "OK", "request_id": request_id})


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
    # A 502/503/504 comes from the gateway in front of the API: HTML, not JSON.
    page = f"<html><body><h1>{status} Gateway Error</h1></body></html>\n"
    return Reply(status, page.encode(), content_type="text/html")
