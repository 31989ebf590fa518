"""``GET /v2/aggs/grouped/locale/us/market/stocks/{date}``: every ticker's daily bar of
one date, as the vendor shapes it.

rest.json (``.massive/rest.json`` in polygon-io/client-python), "Grouped Daily (Bars)":
"Get the daily open, high, low, and close (OHLC) for the entire stocks/equities
markets". Each behaviour below cites the part of it that it follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chronox_domain import Bar, Interval, Timeframe
from tests.polygon_stub.data import StubData, split_adjusted, to_ms
from tests.polygon_stub.rest import _PLAN_TIMEFRAME, Reply, SplitList, _error, _json

GROUPED_PATH = re.compile(r"/v2/aggs/grouped/locale/us/market/stocks/(?P<date>[^/]+)")
_NEW_YORK = ZoneInfo("America/New_York")

#: The market the stub trades when a test names none (rest.json's example answer holds
#: KIMpL: mixed case is the vendor's spelling of a preferred share).
DEFAULT_MARKET = ("AAPL", "BRK.A", "KIMpL", "MSFT", "SPY")


class GroupedDaily:
    """The grouped daily endpoint over the stub's data (a ``Route``)."""

    def __init__(
        self,
        data: StubData,
        splits: Callable[[], Mapping[str, SplitList]],
        history_from: Callable[[], date | None],
    ) -> None:
        self._data = data
        self._splits = splits
        self._history_from = history_from
        #: The tickers that trade (each has a bar on every session).
        self.market: list[str] = list(DEFAULT_MARKET)
        #: Of those, the OTC ones: served only with ``include_otc=true``.
        self.otc: set[str] = set()

    def matches(self, path: str) -> bool:
        return GROUPED_PATH.fullmatch(path) is not None

    def answer(
        self, path: str, query: Mapping[str, str], headers: Mapping[str, str], request_id: str
    ) -> Reply:
        match = GROUPED_PATH.fullmatch(path)
        assert match is not None
        # rest.json, ``date``: "The beginning date for the aggregate window", example
        # "2023-01-09". Another shape's answer is undocumented: refused here.
        try:
            day = date.fromisoformat(match["date"])
        except ValueError:
            return _error(400, request_id, f"date must be YYYY-MM-DD, got {match['date']!r}")
        # rest.json, ``adjusted``: "By default, results are adjusted. Set this to false to
        # get results that are NOT adjusted for splits." ``include_otc``: "Default is
        # false (don't include OTC securities)." Both booleans; anything else refused.
        flags = {}
        for name, default in (("adjusted", "true"), ("include_otc", "false")):
            text = query.get(name, default)
            if text not in ("true", "false"):
                return _error(400, request_id, f"{name} must be true or false")
            flags[name] = text == "true"
        cutoff = self._history_from()
        if cutoff is not None and day < cutoff:  # the plan's history, as for the aggregates
            return _json(
                403,
                {"status": "NOT_AUTHORIZED", "request_id": request_id, "message": _PLAN_TIMEFRAME},
            )
        tickers = [t for t in self.market if flags["include_otc"] or t not in self.otc]
        results = self._results(day, tickers, flags["adjusted"])
        # rest.json's 200 answer: ``status``, ``adjusted``, ``queryCount``,
        # ``resultsCount`` and ``request_id`` are required; ``results`` is not, and the
        # vendor leaves it out of an empty answer as its other aggregates do (see
        # rest.py): a date without a session (a weekend, a holiday) answers no results.
        body: dict[str, Any] = {
            "queryCount": len(results),
            "resultsCount": len(results),
            "adjusted": flags["adjusted"],
        }
        if results:
            body["results"] = results
        body |= {"status": "OK", "request_id": request_id}
        return Reply(200, json.dumps(body).encode())

    def _results(self, day: date, tickers: Collection[str], adjusted: bool) -> list[dict[str, Any]]:
        start = datetime.combine(day, time(0), UTC)
        window = Interval(start, start + timedelta(days=1))
        results: list[dict[str, Any]] = []
        for ticker in tickers:
            bars = self._data.bars(ticker, Timeframe.D1, window)
            if adjusted:
                bars = split_adjusted(bars, self._splits().get(ticker, []))
            results.extend(_result(ticker, bar, ticker in self.otc) for bar in bars)
        return results


def _result(ticker: str, bar: Bar, otc: bool) -> dict[str, Any]:
    # rest.json, results items: T "The exchange symbol that this item is traded under",
    # o h l c v t required, vw and n optional; t "The Unix Msec timestamp for the end of
    # the aggregate window" (the example, 1602705600000, is 16:00 New York of
    # 2020-10-14); ``otc`` "will be left off if false".
    close = datetime.combine(bar.start.date(), time(16), _NEW_YORK)
    result: dict[str, Any] = {
        "T": ticker,
        "c": bar.close,
        "h": bar.high,
        "l": bar.low,
        "n": bar.trades,
        "o": bar.open,
        "t": to_ms(close),
        "v": bar.volume,
        "vw": bar.vwap,
    }
    if otc:
        result["otc"] = True
    return {key: value for key, value in result.items() if value is not None}
