"""What the stub's reference endpoints serve: splits, dividends, tickers and their events.

Pages cited below (the vendor's documentation; the API description in the client's
repository, ``.massive/rest.json`` of massive-com/client-python, "rest.json" below):

- SPLITS: https://massive.com/docs/rest/stocks/corporate-actions/splits
  (``GET /stocks/v1/splits``; also at https://massive.com/docs/stocks/get_v3_reference_splits)
- DIVIDENDS: https://massive.com/docs/rest/stocks/corporate-actions/dividends
  (``GET /stocks/v1/dividends``)
- BLOG: https://massive.com/blog/new-splits-and-dividends-endpoints ("Massive Launches New
  Splits and Dividends Endpoints", 2026-02-18: the two endpoints replace
  ``/v3/reference/splits`` and ``/v3/reference/dividends`` and add
  ``historical_adjustment_factor``)
- rest.json, ``/v3/reference/tickers/{ticker}`` (ticker overview) and
  ``/vX/reference/tickers/{id}/events`` (ticker events).

The data are the documented examples where the vendor gives them, and say so where they
are made up for the stub's sake.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: SPLITS, ``adjustment_type``: "Classification of the share-change event. Possible values
#: include: forward_split (share count increases), reverse_split (share count
#: decreases), stock_dividend (shares issued as a dividend)".
ADJUSTMENT_TYPES = ("forward_split", "reverse_split", "stock_dividend")


@dataclass(frozen=True, slots=True)
class StubSplit:
    ticker: str
    execution_date: date
    split_from: float
    split_to: float
    adjustment_type: str
    #: None: the stub computes it from the later splits of the same ticker (see
    #: :meth:`ReferenceData.split_factor`).
    historical_adjustment_factor: float | None = None


@dataclass(frozen=True, slots=True)
class StubDividend:
    ticker: str
    ex_dividend_date: date
    cash_amount: float
    #: DIVIDENDS, ``distribution_type``: recurring, special, supplemental, irregular,
    #: unknown.
    distribution_type: str = "recurring"
    #: DIVIDENDS, ``frequency``: payments a year, 0 for non-recurring (1, 2, 3, 4, 12,
    #: 24, 26, 52, 365 otherwise).
    frequency: int = 4
    currency: str | None = "USD"
    declaration_date: date | None = None
    record_date: date | None = None
    pay_date: date | None = None
    historical_adjustment_factor: float | None = None


@dataclass(frozen=True, slots=True)
class StubTicker:
    """One company, under its current ``ticker``, with its overview and events."""

    ticker: str
    name: str
    list_date: date | None = None
    #: rest.json, ``delisted_utc``: "The last date that the asset was traded." (a
    #: ``date-time``); None while listed.
    delisted_utc: str | None = None
    #: rest.json, ``active``: "Whether or not the asset is actively traded. False means
    #: the asset has been delisted."
    active: bool = True
    #: (date, ticker) of each ticker change, as the events endpoint lists them: from
    #: that date on the company traded as that ticker.
    events: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TradedAs:
    """A ticker named ``company`` (its current ticker) from ``since`` until the session
    date before ``until`` (None: still)."""

    company: str
    since: date
    until: date | None


@dataclass(slots=True)
class ReferenceData:
    """The stub's reference data: mutable, so that a test can announce a split."""

    splits: list[StubSplit] = field(default_factory=list)
    dividends: list[StubDividend] = field(default_factory=list)
    tickers: dict[str, StubTicker] = field(default_factory=dict)

    def add_ticker(self, ticker: StubTicker) -> None:
        self.tickers[ticker.ticker] = ticker

    def former_tickers(self) -> set[str]:
        """Tickers a company traded as before its current one."""
        return {
            old for company in self.tickers.values()
            for _, old in company.events if old != company.ticker
        }  # fmt: skip

    def traded_as(self, ticker: str) -> TradedAs | None:
        """When ``ticker`` named a renamed company, and that company's current ticker
        (whose series the aggregates serve under ``ticker`` for those dates only); None
        for a ticker no rename involves (served for every date, as before).

        The vendor keeps each ticker's history as it traded: a company's bars before a
        ticker change are found under the old ticker only. polygon-io/issues#118 (QQQ
        "returning no data ... from late 2004 to early 2011": "The ticker was changed
        from QQQQ to QQQ on March 22 2011. I can confirm there is data for QQQQ on the
        dates in the 'gap' ... We store data exactly as it happened and do not alter
        historic data"); polygon-io/issues#137 (no HUSN bars before 2020-05-08, "a
        result of the company changing tickers from CIFS to HUSN"); polygon-io/issues#252
        ("for META ticker, I would assume that historical prices would include FB, but
        that is not the case"). What the vendor has under a ticker before a company took
        it (#252 saw another security's quotes under META) the stub leaves out: nothing."""
        for company in self.tickers.values():
            events = sorted(company.events)
            if len({name for _, name in events}) < 2:
                continue  # no rename: the ticker is served as any other
            for (since, name), (until, _) in zip(events, [*events[1:], (None, "")], strict=True):
                if name == ticker:
                    return TradedAs(company.ticker, since, until)
        return None

    def split_factor(self, split: StubSplit) -> float:
        """SPLITS, ``historical_adjustment_factor``: "Cumulative adjustment factor used to
        offset split effects on historical prices": the product of ``split_from /
        split_to`` over this split and every later one of the ticker. A price traded
        before ``execution_date`` times it is on today's share basis. (The docs give
        0.25 for AAPL's 1-for-4 of 2020-08-31, its latest; AAPL's earlier factors, 1/28
        and 1/56, follow from the definition.)"""
        if split.historical_adjustment_factor is not None:
            return split.historical_adjustment_factor
        later = [
            other for other in self.splits
            if other.ticker == split.ticker and other.execution_date >= split.execution_date
        ]  # fmt: skip
        return math.prod(other.split_from / other.split_to for other in later)


def split_result(split: StubSplit, factor: float) -> dict[str, Any]:
    """One item of a splits page. SPLITS, response attributes: ``adjustment_type``
    (string), ``execution_date`` (string, optional), ``historical_adjustment_factor``
    (number, optional), ``id`` (string), ``split_from``, ``split_to`` (numbers),
    ``ticker``; the official client's ``StockSplit`` model has exactly these fields
    (massive/rest/models/splits.py)."""
    return {
        "adjustment_type": split.adjustment_type,
        "execution_date": split.execution_date.isoformat(),
        "historical_adjustment_factor": factor,
        "id": _event_id("split", split.ticker, split.execution_date),
        "split_from": split.split_from,
        "split_to": split.split_to,
        "ticker": split.ticker,
    }


def dividend_result(dividend: StubDividend) -> dict[str, Any]:
    """One item of a dividends page: the fields of DIVIDENDS' response attributes and of
    the official client's ``StockDividend`` model (massive/rest/models/dividends.py).
    The amounts are as paid, not split-adjusted ("No, our historical dividends are not
    adjusted for splits": https://massive.com/knowledge-base/categories/reference-data);
    ``split_adjusted_cash_amount`` is the same amount on today's share basis. Dates the
    vendor lacks are left out, as it leaves out what it does not have."""
    item: dict[str, Any] = {
        "cash_amount": dividend.cash_amount,
        "currency": dividend.currency,
        "declaration_date": _iso(dividend.declaration_date),
        "distribution_type": dividend.distribution_type,
        "ex_dividend_date": dividend.ex_dividend_date.isoformat(),
        "frequency": dividend.frequency,
        "historical_adjustment_factor": dividend.historical_adjustment_factor,
        "id": _event_id("dividend", dividend.ticker, dividend.ex_dividend_date),
        "pay_date": _iso(dividend.pay_date),
        "record_date": _iso(dividend.record_date),
        "split_adjusted_cash_amount": dividend.cash_amount,
        "ticker": dividend.ticker,
    }
    return {key: value for key, value in item.items() if value is not None}


def overview_result(company: StubTicker) -> dict[str, Any]:
    """``results`` of the ticker overview: rest.json's required fields (ticker, name,
    market, locale, active, currency_name) and those a listing period needs."""
    item: dict[str, Any] = {
        "active": company.active,
        "currency_name": "usd",
        "delisted_utc": company.delisted_utc,
        "list_date": _iso(company.list_date),
        "locale": "us",
        "market": "stocks",
        "name": company.name,
        "primary_exchange": "XNAS",
        "ticker": company.ticker,
        "type": "CS",
    }
    return {key: value for key, value in item.items() if value is not None}


def events_result(company: StubTicker) -> dict[str, Any]:
    """``results`` of the ticker events, newest first as in rest.json's META example;
    each event is ``{"date", "ticker_change": {"ticker"}, "type": "ticker_change"}``
    (the example says ``type``; the schema calls it ``event_type``)."""
    events = sorted(company.events, reverse=True)
    return {
        "events": [
            {"date": day.isoformat(), "ticker_change": {"ticker": ticker}, "type": "ticker_change"}
            for day, ticker in events
        ],
        "name": company.name,
    }


def generic_company(ticker: str) -> StubTicker:
    """The overview of a ticker the stub serves bars for but has no reference record of:
    listed since before anything is asked (no ``list_date``: rest.json does not require
    it), active, no events."""
    return StubTicker(ticker, f"{ticker} (stub)")


def documented() -> ReferenceData:
    """The default data: the vendor's documented examples, and a few made-up tickers for
    the cases the docs show no example of."""
    data = ReferenceData()
    # AAPL's splits: rest.json's /v3/reference/splits example lists 2020-08-31 1:4 and
    # 2005-02-28 1:2; 2014-06-09 1:7 completes the three that make today's factor of 28
    # for a day of 2005 after February (issue 19). All forward splits.
    for day, ratio in ((date(2005, 2, 28), 2), (date(2014, 6, 9), 7), (date(2020, 8, 31), 4)):
        data.splits.append(StubSplit("AAPL", day, 1, ratio, "forward_split"))
    # A reverse split: GE's 1-for-8 of 2021-08-02 (split_from 8, split_to 1).
    data.splits.append(StubSplit("GE", date(2021, 8, 2), 8, 1, "reverse_split"))
    # A stock dividend (5 % in shares): made up, the docs show no example.
    data.splits.append(StubSplit("STKD", date(2023, 5, 15), 1, 1.05, "stock_dividend"))
    # AAPL's cash dividends: rest.json's /v3/reference/dividends example (amounts and
    # dates); currency, distribution_type and the factors are the stub's (not given).
    data.dividends += [
        StubDividend(
            "AAPL", date(2021, 8, 6), 0.22, declaration_date=date(2021, 7, 27),
            record_date=date(2021, 8, 9), pay_date=date(2021, 8, 12),
            historical_adjustment_factor=0.997067,
        ),
        StubDividend(
            "AAPL", date(2021, 11, 5), 0.22, declaration_date=date(2021, 10, 28),
            record_date=date(2021, 11, 8), pay_date=date(2021, 11, 11),
            historical_adjustment_factor=0.998533,
        ),
    ]  # fmt: skip
    # rest.json's ticker overview example: AAPL, list_date 1980-12-12, active.
    data.add_ticker(StubTicker("AAPL", "Apple Inc.", date(1980, 12, 12),
                               events=((date(1980, 12, 12), "AAPL"),)))  # fmt: skip
    # rest.json's ticker events example: FB from 2012-05-18, META from 2022-06-09.
    data.add_ticker(
        StubTicker(
            "META", "Meta Platforms, Inc. Class A Common Stock", date(2012, 5, 18),
            events=((date(2012, 5, 18), "FB"), (date(2022, 6, 9), "META")),
        )
    )  # fmt: skip
    data.add_ticker(StubTicker("GE", "GE Aerospace", date(1962, 1, 2)))
    data.add_ticker(StubTicker("STKD", "Stock Dividend Example Corp (stub)", date(2010, 1, 4)))
    # Listed in 2020 (Snowflake's first session, 2020-09-16).
    data.add_ticker(StubTicker("SNOW", "Snowflake Inc. Class A Common Stock", date(2020, 9, 16),
                               events=((date(2020, 9, 16), "SNOW"),)))  # fmt: skip
    # Delisted: Twitter, last traded 2022-10-27 (taken private); ``delisted_utc`` as
    # rest.json describes it, the last date traded.
    data.add_ticker(
        StubTicker(
            "TWTR", "Twitter, Inc. Common Stock", date(2013, 11, 7),
            delisted_utc="2022-10-27T00:00:00Z", active=False,
            events=((date(2013, 11, 7), "TWTR"),),
        )
    )  # fmt: skip
    return data


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _event_id(kind: str, ticker: str, day: date) -> str:
    # SPLITS and DIVIDENDS: ``id`` is a string (rest.json's v3 examples: "E" and hex).
    return "E" + hashlib.sha256(f"{kind}{ticker}{day}".encode()).hexdigest()[:32]
