"""``CorporateActionSource`` over the vendor's reference endpoints.

Four answers make a symbol's actions: its ticker overview (the listing period, and
whether the vendor knows the ticker at all), its ticker events (renames), its splits and
its cash dividends (``/stocks/v1/splits`` and ``/stocks/v1/dividends``, every page).
They go through the REST source's own request path, so they share its rate limiter,
retries, backoff and total deadline with every bar request of the process.

The overview is asked first: a ticker the vendor does not know is a 404 there, and is
then one :class:`NotFound` after one request, not three lists of nothing. The three
lists are then asked at once (each a round trip to the vendor).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from chronox_adapters.polygon.reference_parsing import (
    listing_currency,
    parse_dividends,
    parse_listing,
    parse_splits,
    parse_ticker_changes,
)
from chronox_adapters.polygon.rest import PolygonRestSource, VendorNotFound
from chronox_domain.actions import CorporateActions
from chronox_domain.errors import MalformedData, NotFound, SourceUnavailable
from chronox_domain.symbol import parse_symbol


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PolygonCorporateActions:
    """The vendor's splits, dividends, renames and listing period of a symbol."""

    def __init__(self, rest: PolygonRestSource, clock: Callable[[], datetime] = _utc_now) -> None:
        self._rest = rest
        self._clock = clock

    def actions(self, symbol: str) -> CorporateActions:
        """Every action of ``symbol`` (pages followed, other tickers' items left out),
        ``fetched_at`` the moment the last answer arrived. ``NotFound`` for a ticker the
        vendor does not know; ``SourceUnavailable`` (or ``RateLimited``) when it cannot
        answer, or answers something unreadable."""
        ticker = parse_symbol(symbol)
        overview = self._overview(ticker)
        # The date ascending: the order actions are kept in, and a stable one to page by.
        lists = {"ticker": ticker, "limit": str(self._rest.config.reference_page_limit)}
        asked = [
            (
                f"/vX/reference/tickers/{ticker}/events",
                {"types": "ticker_change"},
                f"the ticker events of {ticker}",
            ),
            (
                "/stocks/v1/splits",
                {**lists, "sort": "execution_date.asc"},
                f"the splits of {ticker}",
            ),
            (
                "/stocks/v1/dividends",
                {**lists, "sort": "ex_dividend_date.asc"},
                f"the dividends of {ticker}",
            ),
        ]
        # The three lists at once: each is a round trip to the vendor, and a symbol's
        # first backfill job waited for them one after another (at 200 ms an answer,
        # 0.6 s of a 1.2 s job). The limiter paces them as it paces any requests.
        with ThreadPoolExecutor(len(asked), thread_name_prefix="chronox-actions") as pool:
            answers = [pool.submit(self._pages, *request) for request in asked]
            events, splits, dividends = (answer.result() for answer in answers)
        fetched_at = self._clock()
        try:
            return CorporateActions(
                ticker,
                splits=tuple(parse_splits(splits, ticker, fetched_at)),
                dividends=tuple(
                    parse_dividends(dividends, ticker, fetched_at, listing_currency(overview))
                ),
                ticker_changes=tuple(parse_ticker_changes(events, ticker, fetched_at)),
                listing=parse_listing(overview, ticker, fetched_at),
                fetched_at=fetched_at,
            )
        except MalformedData as exc:
            raise SourceUnavailable(f"the vendor sent malformed reference data: {exc}") from None

    def _overview(self, ticker: str) -> dict[str, Any]:
        what = f"the ticker overview of {ticker}"
        try:
            (page,) = self._pages(f"/v3/reference/tickers/{ticker}", {}, what)
        except VendorNotFound:
            raise NotFound(f"the vendor does not know ticker {ticker}") from None
        return page

    def _pages(self, path: str, params: dict[str, str], what: str) -> list[dict[str, Any]]:
        return self._rest.get_pages(path, params, what)
