"""Renames: which vendor ticker answers for a company at each moment.

A registry symbol names a company by its current ticker; the vendor keeps each ticker's
history as it traded, so the company's bars before a rename are found only under the
ticker that traded then (FB before 2022-06-09, META from it). A :class:`TickerChange`
takes effect on its ``effective`` session date, pre-market included: the boundary is
the first moment of that session date, as :mod:`chronox_domain.adjust` dates an action
(midnight in the exchange's time zone for intraday bars; the daily bar stamped with
that date for 1d). A symbol read *literally* (``--no-follow-renames``) is asked under
its own ticker only, and that ticker named the company only from its last change on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, tzinfo

from chronox_domain.actions import ListingPeriod, TickerChange
from chronox_domain.interval import Interval, clip
from chronox_domain.planning import PlannedRequest, plan_requests
from chronox_domain.ports import SymbolRegistry
from chronox_domain.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class TickerSpan:
    """Part of a window during which the company traded as ``ticker``. ``ticker`` is
    None where it is the symbol itself (so that the ledger of a never-renamed symbol
    reads as it always did)."""

    window: Interval
    ticker: str | None


def ticker_spans(
    symbol: str,
    changes: Sequence[TickerChange],
    window: Interval,
    timeframe: Timeframe,
    timezone: tzinfo,
) -> list[TickerSpan]:
    """``window`` cut at each change inside it, each piece with the ticker that traded
    then, in order. No changes (or a literal read: pass none): the whole window under
    the symbol itself."""
    ordered = sorted(changes, key=lambda change: change.effective)
    if not ordered:
        return [TickerSpan(window, None)]
    # The ticker before the first change, then each change's new one from its date.
    tickers = [ordered[0].old_ticker, *(change.new_ticker for change in ordered)]
    bounds = [change_moment(change, timeframe, timezone) for change in ordered]
    spans: list[TickerSpan] = []
    starts = [window.start, *bounds]
    ends = [*bounds, window.end]
    for start, end, ticker in zip(starts, ends, tickers, strict=True):
        lo, hi = max(start, window.start), min(end, window.end)
        if lo < hi:
            spans.append(TickerSpan(Interval(lo, hi), None if ticker == symbol else ticker))
    return spans


def change_moment(change: TickerChange, timeframe: Timeframe, timezone: tzinfo) -> datetime:
    """The first bar start that trades under ``change.new_ticker``."""
    if timeframe is Timeframe.D1:
        return timeframe.daily_stamp(change.effective)
    return datetime.combine(change.effective, time(), tzinfo=timezone)


def company_listing(
    listing: ListingPeriod | None, changes: Sequence[TickerChange], follow: bool
) -> ListingPeriod | None:
    """The listing period a symbol is read by.

    Following renames: the company's whole life. The vendor's overview of the current
    ticker may date only that ticker (a list date on or after the first change): the
    company traded before it under another ticker since a date the overview does not
    give, so the start is unknown (every session expected, asked) rather than cut.
    Read literally: the symbol's own ticker named this company only from its last
    change on; the sessions before are unlisted (never asked: what the vendor has under
    that ticker then is another security's, or nothing)."""
    if listing is None or not changes:
        return listing
    first = min(change.effective for change in changes)
    last = max(change.effective for change in changes)
    if follow:
        if listing.listed is not None and listing.listed >= first:
            return replace(listing, listed=None)
        return listing
    listed = last if listing.listed is None else max(listing.listed, last)
    if listing.delisted is not None and listing.delisted < listed:
        listed = listing.delisted
    return replace(listing, listed=listed)


def plan_by_ticker(
    spans: Sequence[TickerSpan],
    gaps: Sequence[Interval],
    expected: Sequence[Interval],
    timeframe: Timeframe,
    max_bars: int,
    returned: Sequence[Interval] | None = None,
    unit: Timeframe | None = None,
) -> list[PlannedRequest]:
    """:func:`plan_requests` within each of ``spans``: no request crosses a rename, and
    each is asked of the ticker that traded then (``PlannedRequest.ticker``)."""
    if len(spans) == 1 and spans[0].ticker is None:
        return plan_requests(gaps, expected, timeframe, max_bars, returned, unit)
    planned: list[PlannedRequest] = []
    for span in spans:
        own_gaps = clip(gaps, span.window)
        if not own_gaps:
            continue
        own_returned = None if returned is None else clip(returned, span.window)
        own_expected = clip(expected, span.window)
        own = plan_requests(own_gaps, own_expected, timeframe, max_bars, own_returned, unit)
        planned += [replace(request, ticker=span.ticker) for request in own]
    return planned


def follows_renames(registry: SymbolRegistry | None, symbol: str) -> bool:
    """Whether ``symbol`` follows its company's renames as registered (a symbol with no
    entry does: the default)."""
    entry = None if registry is None else registry.get(symbol)
    return entry is None or entry.follow_renames


__all__ = [
    "TickerSpan",
    "change_moment",
    "company_listing",
    "follows_renames",
    "plan_by_ticker",
    "ticker_spans",
]
