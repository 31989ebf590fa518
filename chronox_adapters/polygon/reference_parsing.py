"""The vendor's reference answers to corporate actions: splits, dividends, renames, listing.

Each function reads decoded JSON pages of one endpoint for one ticker and returns the
domain's records, or raises :class:`MalformedData` naming the item it could not read. An
item of another ticker is left out: an answer may list a related or former listing's,
and applying it would adjust the wrong company. What the vendor documents, and what is
read here:

* ``GET /stocks/v1/splits`` (https://massive.com/docs/rest/stocks/corporate-actions/splits):
  ``execution_date``, ``split_from``, ``split_to``, ``adjustment_type`` (forward_split,
  reverse_split, stock_dividend), ``historical_adjustment_factor`` (optional: "Cumulative
  adjustment factor used to offset split effects on historical prices").
* ``GET /stocks/v1/dividends``
  (https://massive.com/docs/rest/stocks/corporate-actions/dividends): ``ex_dividend_date``,
  ``cash_amount`` (as paid: the vendor's dividends are not split-adjusted), ``currency``,
  the record, pay and declaration dates, ``distribution_type``, ``frequency`` (payments
  a year, 0 for one-off) and ``historical_adjustment_factor``.
* ``GET /vX/reference/tickers/{id}/events`` (``.massive/rest.json``, GetEvents): for the
  company a ticker names today, each ticker it took and from which date.
* ``GET /v3/reference/tickers/{ticker}`` (rest.json, GetTicker): ``list_date`` ("the date
  that the symbol was first publicly listed"), ``delisted_utc`` ("The last date that the
  asset was traded", a date-time), ``active``, ``currency_name``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    ListingPeriod,
    StockSplit,
    TickerChange,
)
from chronox_domain.errors import InvalidInput, MalformedData

log = logging.getLogger(__name__)

Page = Mapping[str, Any]


def parse_splits(pages: Iterable[Page], ticker: str, fetched_at: datetime) -> list[StockSplit]:
    """The splits of ``ticker`` on ``pages``, oldest first, each once."""
    found: dict[object, StockSplit] = {}
    for item in _items(pages, ticker, "split"):
        try:
            split_from = _number(item, "split_from")
            split_to = _number(item, "split_to")
            split = StockSplit(
                ticker,
                _date(item, "execution_date"),
                split_from,
                split_to,
                _adjustment_type(item.get("adjustment_type"), split_from, split_to),
                _optional_number(item, "historical_adjustment_factor"),
                fetched_at,
            )
        except (InvalidInput, TypeError, ValueError) as exc:
            raise MalformedData(f"a split of {ticker} ({_said(item)}): {exc}") from None
        found[_identity(item, (split.execution_date, split_from, split_to))] = split
    return sorted(found.values(), key=lambda split: split.execution_date)


def parse_dividends(
    pages: Iterable[Page], ticker: str, fetched_at: datetime, listing_currency: str | None
) -> list[CashDividend]:
    """The cash dividends of ``ticker`` on ``pages``, oldest first, each once. A dividend
    that names no currency is in ``listing_currency`` (the overview's ``currency_name``)."""
    found: dict[object, CashDividend] = {}
    for item in _items(pages, ticker, "dividend"):
        try:
            currency = item.get("currency") or listing_currency
            if not isinstance(currency, str):
                raise ValueError("no currency, and none known for the listing")
            frequency = item.get("frequency")
            dividend = CashDividend(
                ticker,
                _date(item, "ex_dividend_date"),
                _number(item, "cash_amount"),
                currency.upper(),
                fetched_at,
                record_date=_optional_date(item, "record_date"),
                pay_date=_optional_date(item, "pay_date"),
                declaration_date=_optional_date(item, "declaration_date"),
                distribution_type=_optional_text(item, "distribution_type"),
                frequency=None if frequency is None else str(_integer(frequency)),
                historical_adjustment_factor=_optional_number(item, "historical_adjustment_factor"),
            )
        except (InvalidInput, TypeError, ValueError) as exc:
            raise MalformedData(f"a dividend of {ticker} ({_said(item)}): {exc}") from None
        key = (dividend.ex_dividend_date, dividend.cash_amount, dividend.distribution_type)
        found[_identity(item, key)] = dividend
    return sorted(found.values(), key=lambda dividend: dividend.ex_dividend_date)


def parse_ticker_changes(
    pages: Iterable[Page], ticker: str, fetched_at: datetime
) -> list[TickerChange]:
    """The ticker changes of the company ``ticker`` names, oldest first.

    Each ``ticker_change`` event says the company traded as that ticker from that date;
    two events in a row make one change (FB from 2012-05-18, META from 2022-06-09: FB
    to META effective 2022-06-09). The chain is read up to the last event naming
    ``ticker``: events after it would be another company's (the vendor's events have
    been reported inaccurate, polygon-io/issues#240), so they are left out."""
    events = sorted(_ticker_events(pages, ticker))
    named = [index for index, (_, name) in enumerate(events) if name == ticker]
    if events and not named:
        log.warning("vendor: the ticker events of %s never name it; no renames kept", ticker)
    chain = events[: named[-1] + 1] if named else []
    return [
        TickerChange(ticker, old, new, effective, fetched_at)
        for (_, old), (effective, new) in pairwise(chain)
        if old != new
    ]


def parse_listing(page: Page, ticker: str, fetched_at: datetime) -> ListingPeriod:
    """The listing period of ``ticker`` from its overview.

    ``delisted`` is the day after ``delisted_utc``'s date: the vendor documents that
    date as the last one traded, and the domain's ``delisted`` is the first day nothing
    trades; read the other way, the last session would be lost. ``active`` missing is
    taken as "not delisted" unless a delisting date says otherwise."""
    results = page.get("results")
    if not isinstance(results, Mapping):
        raise MalformedData(f"the overview of {ticker} has no 'results' object")
    if results.get("ticker") != ticker:
        raise MalformedData(f"the overview asked for {ticker} describes {results.get('ticker')!r}")
    try:
        delisted_utc = results.get("delisted_utc")
        delisted = None
        if delisted_utc is not None:
            delisted = _utc_date(delisted_utc) + timedelta(days=1)
        active = results.get("active", delisted is None)
        if not isinstance(active, bool):
            raise ValueError(f"'active' is {active!r}, not true or false")
        return ListingPeriod(
            ticker, _optional_date(results, "list_date"), delisted, active, fetched_at
        )
    except (InvalidInput, TypeError, ValueError) as exc:
        raise MalformedData(f"the overview of {ticker}: {exc}") from None


def listing_currency(page: Page) -> str | None:
    """The overview's ``currency_name`` ("usd"), upper-cased; None when absent."""
    results = page.get("results")
    currency = results.get("currency_name") if isinstance(results, Mapping) else None
    return currency.upper() if isinstance(currency, str) and currency else None


# --- reading items ------------------------------------------------------------------


def _items(pages: Iterable[Page], ticker: str, what: str) -> Iterator[Mapping[str, Any]]:
    """The items of ``ticker`` on list pages (``results`` absent or null: none)."""
    for page in pages:
        results = page.get("results") or []
        if not isinstance(results, list):
            raise MalformedData(f"a {what} page of {ticker}: 'results' is not a list")
        for item in results:
            if not isinstance(item, Mapping):
                raise MalformedData(f"a {what} of {ticker} is not an object: {item!r:.80}")
            if item.get("ticker") == ticker:
                yield item


def _ticker_events(pages: Iterable[Page], ticker: str) -> Iterator[tuple[date, str]]:
    for page in pages:
        results = page.get("results") or {}
        events = results.get("events") if isinstance(results, Mapping) else None
        if not isinstance(events, list | None):
            raise MalformedData(f"the ticker events of {ticker}: 'events' is not a list")
        for event in events or []:
            if not isinstance(event, Mapping):
                raise MalformedData(f"a ticker event of {ticker} is not an object: {event!r:.80}")
            # rest.json's example says ``type``, its schema ``event_type``: either.
            if event.get("type", event.get("event_type")) != "ticker_change":
                continue  # the only type the vendor has today; others are not renames
            change = event.get("ticker_change")
            name = change.get("ticker") if isinstance(change, Mapping) else None
            if not isinstance(name, str) or not name:
                raise MalformedData(f"a ticker change of {ticker} names no ticker: {event!r:.120}")
            try:
                yield _date(event, "date"), name
            except (TypeError, ValueError) as exc:
                raise MalformedData(f"a ticker change of {ticker}: {exc}") from None


def _adjustment_type(value: object, split_from: float, split_to: float) -> AdjustmentType:
    """The vendor's ``adjustment_type``; when it is missing, what the ratio says (a
    share count that grows is a forward split). A value the vendor may add later is
    refused (InvalidInput) rather than guessed."""
    if value is None:
        grows = split_to > split_from
        return AdjustmentType.FORWARD_SPLIT if grows else AdjustmentType.REVERSE_SPLIT
    return AdjustmentType.parse(value)


def _identity(item: Mapping[str, Any], fallback: object) -> object:
    """The vendor's ``id`` when it gives one (two dividends on one ex-date are two),
    else the fields that make an action what it is."""
    given = item.get("id")
    return ("id", given) if isinstance(given, str) and given else fallback


def _number(item: Mapping[str, Any], name: str) -> float:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'{name}' is {value!r}, not a number")
    return float(value)


def _optional_number(item: Mapping[str, Any], name: str) -> float | None:
    return None if item.get(name) is None else _number(item, name)


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"'frequency' is {value!r}, not an integer")
    return value


def _date(item: Mapping[str, Any], name: str) -> date:
    value = item.get(name)
    if not isinstance(value, str):
        raise ValueError(f"'{name}' is {value!r}, not a yyyy-mm-dd date")
    return date.fromisoformat(value)


def _optional_date(item: Mapping[str, Any], name: str) -> date | None:
    return None if item.get(name) is None else _date(item, name)


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"'{name}' is {value!r}, not text")
    return value


def _utc_date(value: object) -> date:
    """The UTC date of a ``date-time`` ("2022-10-27T00:00:00Z"); a bare date is itself."""
    if not isinstance(value, str):
        raise ValueError(f"'delisted_utc' is {value!r}, not a date-time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


def _said(item: Mapping[str, Any]) -> str:
    """An item as the vendor sent it, cut short for an error line."""
    return repr(dict(item))[:160]
