"""Reading bars on a price basis: the store holds what traded, a read adjusts.

A basis is a step function of the session date, :class:`Factors`: each boundary is the
date an action took effect (a split's execution date, a dividend's ex-date), and every
bar of a session before it is on the old basis. A bar ON the boundary date already
traded on the new basis (the vendor: "On the execution date, all trading is already
adjusted for the split. This includes the pre-market session"), so it is left alone.

- ``splits``: prices (open, high, low, close, vwap) of a bar are divided by the product
  of the ratios (``split_to / split_from``) of every split executed after its session,
  its volume multiplied by it, its number of trades unchanged. AAPL's splits of
  2005-02-28 (2:1), 2014-06-09 (7:1) and 2020-08-31 (4:1) divide a price of March 2005
  by 28 and one of January 2005 by 56.
- ``all``: splits, and each cash dividend back-adjusted: prices of sessions before its
  ex-date multiplied by its factor, volume unchanged (the dividend changes no share
  count). The factor is the vendor's where it gives one: its ``historical_adjustment_
  factor`` is cumulative (it "offset[s] ... effects on historical prices" of this and
  every later event, ``massive.com/docs/rest/stocks/corporate-actions/dividends``), so an
  event's own factor is its value over the next dividend's. Where the vendor gives none,
  the factor is CRSP's and Yahoo's: ``1 - amount / close`` with the close of the session
  before the ex-date, as traded (the vendor's amounts are not split-adjusted, so both
  are on one basis). Yahoo: "The amount of the dividend is subtracted from the prior
  day's price, and the result is divided by the prior day's price. Historical prices are
  then multiplied by this factor" (help.yahoo.com, "Adjusted close"); CRSP's cumulative
  factor to adjust prices, CFACPR, applies the same ratio.

Adjusting is vectorised over :class:`BarColumns`: one binary search of the start column
per boundary, then, per column, the values before a boundary scaled by list
comprehensions into the output ``array`` and every value after the last boundary (most
of a recent year) copied by one slice, never an object per bar: O(bars + actions).
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import groupby

from chronox_domain.actions import CashDividend, CorporateActions, PriceBasis, StockSplit
from chronox_domain.columns import BarColumns
from chronox_domain.errors import MalformedData, NotFound
from chronox_domain.timeframe import EPOCH, Timeframe

_MICROSECOND = timedelta(microseconds=1)
#: Values scaled per list comprehension. A chunk's new floats (24 bytes each) and its
#: list stay in the CPU's cache and are recycled by the next chunk; one list of a whole
#: symbol-year (~100,000 floats, 3 MB) is not, and costs a fifth to a quarter more
#: (timeit, 98,000 values on a 2-core VM).
_CHUNK = 16_384
_PACK_CHUNK = struct.Struct(f"{_CHUNK}d").pack


@dataclass(frozen=True, slots=True)
class Factors:
    """A basis as a step function of the session date.

    ``boundaries`` are sorted and distinct. A bar whose session date ``d`` lies before
    ``boundaries[i]`` and on or after ``boundaries[i - 1]`` has its prices divided by
    ``price_divisors[i]`` and its volume multiplied by ``volume_multipliers[i]``; a bar
    on or after the last boundary is unchanged."""

    boundaries: tuple[date, ...] = ()
    price_divisors: tuple[float, ...] = ()
    volume_multipliers: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (len(self.boundaries) == len(self.price_divisors) == len(self.volume_multipliers)):
            raise ValueError("factors of unequal lengths")
        if any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError("factor boundaries must be sorted and distinct")

    def at(self, session: date) -> tuple[float, float]:
        """``(price divisor, volume multiplier)`` of a bar of ``session``."""
        index = bisect_right(self.boundaries, session)
        return self._step(index)

    def before(self, boundary: date) -> tuple[float, float]:
        """The factors of a session just before ``boundary`` (any date)."""
        return self._step(bisect_left(self.boundaries, boundary))

    def _step(self, index: int) -> tuple[float, float]:
        if index == len(self.boundaries):
            return 1.0, 1.0
        return self.price_divisors[index], self.volume_multipliers[index]


AS_TRADED = Factors()


def split_factors(splits: Iterable[StockSplit]) -> Factors:
    """The ``splits`` basis: each split divides earlier prices by its ratio."""
    return _from_events(((s.execution_date, s.ratio) for s in splits), volume=True)


def dividend_factors(
    dividends: Sequence[CashDividend], closes_before: Mapping[date, float] | None = None
) -> Factors:
    """Cash dividends back-adjusted: earlier prices DIVIDED by ``1 / factor`` (so that
    :class:`Factors` keeps one shape), volume unchanged.

    ``closes_before`` maps an ex-date to the close, as traded, of the session before it;
    it is needed only for the ex-dates :func:`closes_needed` names. Raises ``NotFound``
    when one of those is missing, ``MalformedData`` for a dividend of at least that close.
    """
    own = _own_factors(sorted(dividends, key=lambda d: d.ex_dividend_date), closes_before or {})
    return _from_events(((day, 1.0 / factor) for day, factor in own), volume=False)


def closes_needed(dividends: Sequence[CashDividend]) -> list[date]:
    """The ex-dates whose previous close :func:`dividend_factors` needs (the vendor gave
    no usable factor for them), sorted: what a reader fetches before adjusting."""
    ordered = sorted(dividends, key=lambda d: d.ex_dividend_date)
    return [
        d.ex_dividend_date for d, f in zip(ordered, _vendor_own(ordered), strict=True) if f is None
    ]


def basis_factors(
    actions: CorporateActions,
    basis: PriceBasis,
    closes_before: Mapping[date, float] | None = None,
) -> Factors:
    """The factors of ``basis`` for ``actions``' symbol."""
    if basis is PriceBasis.NONE:
        return AS_TRADED
    splits = split_factors(actions.splits)
    if basis is PriceBasis.SPLITS or not actions.dividends:
        return splits
    dividends = dividend_factors(actions.dividends, closes_before)
    boundaries = tuple(sorted({*splits.boundaries, *dividends.boundaries}))
    steps = [(splits.before(day), dividends.before(day)) for day in boundaries]
    return Factors(
        boundaries,
        tuple(split_div * dividend_div for (split_div, _), (dividend_div, _) in steps),
        tuple(volume for (_, volume), _ in steps),
    )


def adjust(columns: BarColumns, factors: Factors, timezone: tzinfo) -> BarColumns:
    """``columns`` on the basis of ``factors``. ``timezone`` is the exchange's (the
    calendar's): an intraday bar's session date is its start's date there; a daily bar
    is stamped with its session date. Returns ``columns`` itself when nothing changes."""
    starts = columns.start_ns
    cuts = [
        bisect_left(starts, _first_ns(day, columns.timeframe, timezone))
        for day in factors.boundaries
    ]
    segments = [
        (lo, hi, divisor, multiplier)
        for lo, hi, divisor, multiplier in zip(
            [0, *cuts][: len(cuts)],
            cuts,
            factors.price_divisors,
            factors.volume_multipliers,
            strict=True,
        )
        if hi > lo and (divisor != 1.0 or multiplier != 1.0)
    ]
    if not segments:
        return columns
    prices = [_scaled(column, segments, divide=True) for column in _prices(columns)]
    volume = _scaled(columns.volume, segments, divide=False)
    o, h, lo_, c, vw = prices
    return BarColumns(
        columns.symbol, columns.timeframe, starts, o, h, lo_, c, volume, vw, columns.trades
    )


def adjusted(
    columns: BarColumns,
    actions: CorporateActions,
    basis: PriceBasis,
    timezone: tzinfo,
    closes_before: Mapping[date, float] | None = None,
) -> BarColumns:
    """``columns`` (as traded) read on ``basis``: :func:`basis_factors`, then :func:`adjust`."""
    return adjust(columns, basis_factors(actions, basis, closes_before), timezone)


def _prices(columns: BarColumns) -> tuple[array[float], ...]:
    return columns.open, columns.high, columns.low, columns.close, columns.vwap


def _scaled(
    column: array[float],
    segments: Sequence[tuple[int, int, float, float]],
    divide: bool,
) -> array[float]:
    """``column`` with each segment's prices divided by its divisor (``divide``) or
    its volumes multiplied by its multiplier; every other value (between segments, and
    after the last boundary: most of a recent year) copied as is, by slices at C speed."""
    out = column[:0]
    done = 0
    for lo, hi, divisor, multiplier in segments:
        factor = divisor if divide else multiplier
        if factor == 1.0:  # a dividend's segment leaves volume as it is: copied below
            continue
        out += column[done:lo]
        scale = _divided_by(factor) if divide else _multiplied_by(factor)
        for first in range(lo, hi, _CHUNK):
            out.frombytes(_packed(scale(column[first : min(first + _CHUNK, hi)])))
        done = hi
    out += column[done:]
    return out


def _packed(values: list[float]) -> bytes:
    """``values`` as native doubles, the bytes of an ``array('d')`` of them, bit for
    bit: ``struct`` packs a list about three times as fast as ``array.fromlist``
    converts it (3.5 against 9.9 ns a value), a fifth of the whole pass."""
    if len(values) == _CHUNK:
        return _PACK_CHUNK(*values)
    return struct.pack(f"{len(values)}d", *values)


def _divided_by(divisor: float) -> Callable[[array[float]], list[float]]:
    """``x / divisor`` for each ``x``: the float a vendor's own division gives.

    A list comprehension is the quickest loop the standard library has (``map`` with
    ``operator.truediv`` or ``divisor.__rtruediv__`` is as fast at best, up to 70 %
    slower). When ``divisor`` is a power of two (2:1 and 4:1 splits and their products),
    ``1 / divisor`` is exact, so ``x * (1 / divisor)`` is the same float as ``x /
    divisor`` (both are ``x / divisor`` correctly rounded; NaN stays NaN), and a
    multiplication is the cheaper operation for the interpreter (~10 %)."""
    mantissa, exponent = math.frexp(divisor)
    if mantissa == 0.5 and -1020 < exponent < 1020:  # 1 / divisor a normal float too
        return _multiplied_by(1.0 / divisor)
    return lambda part: [x / divisor for x in part]


def _multiplied_by(factor: float) -> Callable[[array[float]], list[float]]:
    return lambda part: [x * factor for x in part]


def _first_ns(day: date, timeframe: Timeframe, timezone: tzinfo) -> int:
    """The first start, in epoch nanoseconds, of a bar whose session is ``day`` or later."""
    if timeframe is Timeframe.D1:
        moment = timeframe.daily_stamp(day)
    else:
        moment = datetime.combine(day, time(), tzinfo=timezone)
    return (moment - EPOCH) // _MICROSECOND * 1000


def _from_events(events: Iterable[tuple[date, float]], volume: bool) -> Factors:
    """Suffix products of per-date ratios: a bar is divided by every later event's."""
    by_day = [
        (day, _product(r for _, r in group))
        for day, group in groupby(sorted(events), key=lambda e: e[0])
    ]
    divisors: list[float] = []
    running = 1.0
    for _, ratio in reversed(by_day):
        running *= ratio
        divisors.append(running)
    divisors.reverse()
    boundaries = tuple(day for day, _ in by_day)
    multipliers = tuple(divisors) if volume else tuple(1.0 for _ in divisors)
    return Factors(boundaries, tuple(divisors), multipliers)


def _product(ratios: Iterable[float]) -> float:
    result = 1.0
    for ratio in ratios:
        result *= ratio
    return result


def _vendor_own(ordered: Sequence[CashDividend]) -> list[float | None]:
    """Each dividend's own factor from the vendor's cumulative ones (None: not usable)."""
    cumulative = [d.historical_adjustment_factor for d in ordered]
    later = [*cumulative[1:], 1.0][: len(cumulative)]  # none at all: no dividend to pair
    own: list[float | None] = []
    for here, after in zip(cumulative, later, strict=True):
        factor = None if here is None or after is None else here / after
        own.append(factor if factor is not None and 0.0 < factor <= 1.0 else None)
    return own


def _own_factors(
    ordered: Sequence[CashDividend], closes_before: Mapping[date, float]
) -> list[tuple[date, float]]:
    own = []
    for dividend, vendor in zip(ordered, _vendor_own(ordered), strict=True):
        own.append(
            (
                dividend.ex_dividend_date,
                vendor if vendor is not None else _crsp(dividend, closes_before),
            )
        )
    return own


def _crsp(dividend: CashDividend, closes_before: Mapping[date, float]) -> float:
    close = closes_before.get(dividend.ex_dividend_date)
    if close is None:
        raise NotFound(
            f"cannot adjust {dividend.symbol} for its dividend of {dividend.ex_dividend_date}: "
            "the vendor gave no factor and no close before the ex-date is stored"
        )
    factor = 1.0 - dividend.cash_amount / close
    if not factor > 0.0:
        raise MalformedData(
            f"{dividend.symbol}'s dividend of {dividend.cash_amount:g} on "
            f"{dividend.ex_dividend_date} is not below the close before it ({close:g})"
        )
    return factor
