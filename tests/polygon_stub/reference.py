"""The reference endpoints the stub answers: splits, dividends, ticker overview and events.

What each behaviour imitates is cited where it is built; the page names (SPLITS,
DIVIDENDS, BLOG, rest.json) are those of :mod:`tests.polygon_stub.reference_data`.

- ``GET /stocks/v1/splits`` and ``GET /stocks/v1/dividends`` (SPLITS, DIVIDENDS): lists,
  filtered by ``field``, ``field.gt/.gte/.lt/.lte/.any_of``, sorted by ``sort``, cut into
  pages of ``limit`` with a ``next_url`` when more remain.
- ``GET /v3/reference/tickers/{ticker}`` (rest.json ``GetTicker``): the overview, or 404.
- ``GET /vX/reference/tickers/{id}/events`` (rest.json ``GetEvents``): ticker changes.

These requests take their faults from their own queue (``stub.reference_faults``), so
that arming a fault for the aggregates never spoils a reference request, whatever order
a client sends them in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

from tests.polygon_stub.faults import FaultKind, Faults
from tests.polygon_stub.reference_data import (
    ReferenceData,
    StubTicker,
    dividend_result,
    events_result,
    generic_company,
    overview_result,
    split_result,
)
from tests.polygon_stub.rest import (
    _RATE_LIMITED,
    Reply,
    _decode_cursor,
    _echo,
    _encode_cursor,
    _error,
    _json,
    _server_error,
)

SPLITS_PATH = "/stocks/v1/splits"
DIVIDENDS_PATH = "/stocks/v1/dividends"
# SPLITS and DIVIDENDS, ``limit``: "Defaults to '100' if not specified. The maximum
# allowed limit is '5000'."
DEFAULT_LIMIT = 100
MAX_LIMIT = 5_000
_OVERVIEW = re.compile(r"/v3/reference/tickers/(?P<ticker>[^/]+)")
_EVENTS = re.compile(r"/vX/reference/tickers/(?P<id>[^/]+)/events")
# SPLITS, DIVIDENDS: a filter ``field`` has the variants ``field.any_of`` ("Filter equal
# to any of the values. Multiple values can be specified by using a comma separated
# list."), ``.gt``, ``.gte``, ``.lt``, ``.lte``.
_OPERATORS = ("any_of", "gt", "gte", "lt", "lte")
# A ticker the vendor does not know: 404 with this body (polygon-io/issues#339 quotes it
# for /v3/reference/tickers/RMG?date=..., a ticker no longer in use). The same answer
# for its events is the stub's assumption: rest.json documents no 404 for either.
_NOT_FOUND = "Ticker not found."


@dataclass(frozen=True, slots=True)
class _Listing:
    """One list endpoint: its filters (field -> int or text) and sort columns."""

    path: str
    filters: Mapping[str, type]
    sort_columns: tuple[str, ...]
    default_sort: str
    items: Callable[[], list[dict[str, Any]]]


class ReferenceApi:
    """Answers the reference paths (``matches``); no sockets here."""

    def __init__(
        self,
        data: ReferenceData,
        faults: Faults,
        known: Callable[[str], bool],
        base_url: Callable[[], str],
    ) -> None:
        """``known(ticker)``: whether the stub serves bars for ``ticker`` (a ticker with
        no reference record then gets a generic overview rather than a 404)."""
        self.data = data
        self._faults = faults
        self._known = known
        self._base_url = base_url
        # SPLITS, ``sort``: "The sort column defaults to 'execution_date' if not
        # specified. The sort order defaults to 'desc' if not specified." DIVIDENDS says
        # the same of ``ex_dividend_date``.
        self._listings = {
            SPLITS_PATH: _Listing(
                SPLITS_PATH,
                {"ticker": str, "execution_date": str, "adjustment_type": str},
                ("execution_date", "ticker"),
                "execution_date.desc",
                self._split_items,
            ),
            DIVIDENDS_PATH: _Listing(
                DIVIDENDS_PATH,
                {"ticker": str, "ex_dividend_date": str, "frequency": int,
                 "distribution_type": str},
                ("ex_dividend_date", "ticker"),
                "ex_dividend_date.desc",
                self._dividend_items,
            ),
        }  # fmt: skip

    def matches(self, path: str) -> bool:
        return (
            path in self._listings
            or _OVERVIEW.fullmatch(path) is not None
            or _EVENTS.fullmatch(path) is not None
        )

    def answer(
        self, path: str, query: Mapping[str, str], headers: Mapping[str, str], request_id: str
    ) -> Reply:
        if self._faults.rate_limited_now():
            reply = _error(429, request_id, _RATE_LIMITED)
            return replace(reply, fault=FaultKind.RATE_LIMIT_WINDOW.value)
        fault = self._faults.take()
        kind = None if fault is None else fault.kind
        if fault is not None and kind is FaultKind.RATE_LIMIT:
            reply = _error(429, request_id, _RATE_LIMITED)
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = str(fault.retry_after)
        elif fault is not None and kind is FaultKind.SERVER_ERROR:
            reply = _server_error(fault.status, request_id)
        elif fault is not None and kind is FaultKind.ECHO_HEADERS:
            reply = _echo(fault.status, path, query, headers)
        elif kind is FaultKind.EMPTY_OBJECT:
            reply = Reply(200, b"{}")
        else:
            # The aggregates' other faults (wrong basis, bars outside the range...) mean
            # nothing here: the answer is served as usual.
            reply = self._route(path, query, request_id)
            if kind is FaultKind.MALFORMED:
                reply = replace(reply, body=reply.body[: len(reply.body) // 2])
        if fault is None:
            return reply
        return replace(reply, delay=fault.seconds, fault=fault.kind.value)

    def _route(self, path: str, query: Mapping[str, str], request_id: str) -> Reply:
        if path in self._listings:
            return self._list(self._listings[path], query, request_id)
        if match := _OVERVIEW.fullmatch(path):
            return self._overview(match["ticker"], query, request_id)
        match = _EVENTS.fullmatch(path)
        if match is None:  # matches() was asked first
            raise LookupError(path)
        return self._events(match["id"], query, request_id)

    # --- splits and dividends ---------------------------------------------------------

    def _split_items(self) -> list[dict[str, Any]]:
        return [split_result(split, self.data.split_factor(split)) for split in self.data.splits]

    def _dividend_items(self) -> list[dict[str, Any]]:
        return [dividend_result(dividend) for dividend in self.data.dividends]

    def _list(self, listing: _Listing, query: Mapping[str, str], request_id: str) -> Reply:
        # The stub's next_url carries a cursor holding the whole query and the offset, as
        # the v3 endpoints' cursors do (rest.json's /v3/reference/splits example: its
        # cursor decodes to the query, page marker included); a follow-up's parameters
        # all come from it. The /stocks/v1 pages document ``next_url`` only as "If
        # present, this value can be used to fetch the next page." (SPLITS, DIVIDENDS).
        params: Mapping[str, str] = {k: v for k, v in query.items() if k != "apiKey"}
        if "cursor" in params:
            decoded = _decode_cursor(params["cursor"])
            if decoded is None:
                return _error(400, request_id, "invalid cursor")
            params = decoded
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
            offset = int(params.get("offset", 0))
        except ValueError:
            return _error(400, request_id, "limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            # SPLITS: "The maximum allowed limit is '5000'"; what the vendor answers past
            # it is undocumented: refused here, so a client never relies on it.
            return _error(400, request_id, f"limit must be between 1 and {MAX_LIMIT}")
        filters = {k: v for k, v in params.items() if k not in ("limit", "sort", "offset")}
        if self._faults.splits_foreign():
            # reference_faults.splits_foreign_items(): other tickers' items come too, as
            # some v3 answers listed a related ticker's (a client keeps its own only).
            filters = {k: v for k, v in filters.items() if not k.startswith("ticker")}
        try:
            items = [item for item in listing.items() if _passes(item, filters, listing)]
            _sort(items, params.get("sort", listing.default_sort), listing)
        except _Refused as refused:
            return _error(400, request_id, str(refused))
        page = items[offset : offset + limit]
        # SPLITS, response attributes: ``next_url`` (optional), ``request_id``,
        # ``results``; the envelope's ``status`` as every endpoint has it ("OK").
        body: dict[str, Any] = {"results": page, "status": "OK", "request_id": request_id}
        if offset + limit < len(items):
            following = {**params, "offset": str(offset + limit), "limit": str(limit)}
            cursor = _encode_cursor(following)
            body["next_url"] = f"{self._base_url()}{listing.path}?cursor={cursor}"
        return _json(200, body)

    # --- ticker overview and events ---------------------------------------------------

    def _company(self, ticker: str) -> StubTicker | None:
        """The company ``ticker`` names today, or None: an unknown ticker, or one the
        company left (polygon-io/issues#339: RMG's overview is a 404 from the day it
        became RMO)."""
        if ticker in self.data.tickers:
            return self.data.tickers[ticker]
        if ticker in self.data.former_tickers() or not self._known(ticker):
            return None
        return generic_company(ticker)

    def _overview(self, ticker: str, query: Mapping[str, str], request_id: str) -> Reply:
        # rest.json, GetTicker: ``date`` ("a point in time") is the only parameter; the
        # stub serves today's overview only and refuses it rather than ignore it.
        if refused := [name for name in query if name != "apiKey"]:
            return _error(400, request_id, f"the stub does not serve {refused[0]}")
        company = self._company(ticker)
        if company is None:
            return _not_found(request_id)
        return _json(
            200, {"request_id": request_id, "results": overview_result(company), "status": "OK"}
        )

    def _events(self, ticker: str, query: Mapping[str, str], request_id: str) -> Reply:
        # rest.json, GetEvents: ``id`` "can currently be a Ticker, CUSIP, or Composite
        # FIGI. When given a ticker, we return events for the entity currently
        # represented by that ticker" (tickers only here). ``types``: "Currently
        # ticker_change is the only supported event_type. Leave blank to return all".
        company = self._company(ticker)
        if company is None:
            return _not_found(request_id)
        types = {kind for kind in query.get("types", "").split(",") if kind}
        results = events_result(company)
        if types and "ticker_change" not in types:
            results["events"] = []
        return _json(200, {"request_id": request_id, "results": results, "status": "OK"})


class _Refused(Exception):
    """A parameter the stub does not serve: a 400 naming it."""


def _passes(item: Mapping[str, Any], filters: Mapping[str, str], listing: _Listing) -> bool:
    for name, text in filters.items():
        field, _, operator = name.partition(".")
        kind = listing.filters.get(field)
        if kind is None or (operator and operator not in _OPERATORS):
            raise _Refused(f"the stub does not filter {listing.path} by {name}")
        value = item.get(field)
        if value is None:
            return False
        try:
            wanted = [kind(part) for part in text.split(",")] if operator == "any_of" else None
            single = kind(text) if operator != "any_of" else None
        except ValueError:
            raise _Refused(f"{name} must be {kind.__name__}") from None
        if wanted is not None and value not in wanted:
            return False
        if single is not None and not _compare(value, operator, single):
            return False
    return True


def _compare(value: Any, operator: str, other: Any) -> bool:
    # Dates are yyyy-mm-dd text, whose order is the dates' order.
    if operator == "":
        return bool(value == other)
    if operator == "gt":
        return bool(value > other)
    if operator == "gte":
        return bool(value >= other)
    if operator == "lt":
        return bool(value < other)
    return bool(value <= other)


def _sort(items: list[dict[str, Any]], sort: str, listing: _Listing) -> None:
    """SPLITS, ``sort``: "A comma separated list of sort columns. For each column, append
    '.asc' or '.desc' to specify the sort direction." A column without one sorts in the
    default order, descending. Ties keep the id order, so pages never overlap."""
    items.sort(key=lambda item: item["id"])
    for column in reversed(sort.split(",")):
        name, _, direction = column.partition(".")
        if name not in listing.sort_columns or direction not in ("", "asc", "desc"):
            raise _Refused(f"the stub does not sort {listing.path} by {column}")
        items.sort(key=itemgetter(name), reverse=direction != "asc")


def _not_found(request_id: str) -> Reply:
    return _json(404, {"status": "NOT_FOUND", "request_id": request_id, "message": _NOT_FOUND})
