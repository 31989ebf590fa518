"""Rebasing an earlier release's split-adjusted bars, and its service, on fakes.

AAPL's splits (the vendor's ``/stocks/v1/splits``): 2005-02-28 2:1, 2014-06-09 7:1,
2020-08-31 4:1. A bar of January 2005 stored adjusted in 2026 was divided by 56; one of
March 2005 by 28 (the 2:1 was already in its price as traded).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from chronox_adapters.memory import MemoryActionStore, MemoryRepository
from chronox_domain import Bar, BarBatch, CoverageSpan, CoverageStatus, Interval, Timeframe
from chronox_domain.actions import AdjustmentType, CorporateActions, StockSplit
from chronox_domain.columns import BarColumns
from chronox_domain.errors import LegacyBasisUnknown
from chronox_domain.legacy import LEGACY_SOURCE, legacy_factors, raw_ledger, rebased
from chronox_domain.services.legacy import LegacyRebase

NEW_YORK = ZoneInfo("America/New_York")
FETCHED = datetime(2026, 3, 2, 12, tzinfo=UTC)


def split(day: date, ratio: float) -> StockSplit:
    return StockSplit("AAPL", day, 1, ratio, AdjustmentType.FORWARD_SPLIT, None, FETCHED)


SPLITS = (split(date(2005, 2, 28), 2), split(date(2014, 6, 9), 7), split(date(2020, 8, 31), 4))
AAPL = CorporateActions("AAPL", splits=SPLITS, fetched_at=FETCHED)


def minute(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK).astimezone(UTC)


def adjusted_bar(day: date, price: float, volume: float, hour: int = 10) -> Bar:
    return Bar(
        "AAPL", Timeframe.M1, minute(day, hour), price, price, price, price, volume, price, 9
    )


def columns(*bars: Bar) -> BarColumns:
    return BarColumns.from_bars("AAPL", Timeframe.M1, bars)


@pytest.mark.parametrize(
    ("day", "as_of", "factor"),
    [
        (date(2005, 1, 3), datetime(2026, 1, 2, tzinfo=UTC), 56.0),
        (date(2005, 2, 25), datetime(2026, 1, 2, tzinfo=UTC), 56.0),
        (date(2005, 2, 28), datetime(2026, 1, 2, tzinfo=UTC), 28.0),  # on the execution date
        (date(2014, 6, 6), datetime(2026, 1, 2, tzinfo=UTC), 28.0),
        (date(2020, 8, 28), datetime(2026, 1, 2, tzinfo=UTC), 4.0),
        (date(2021, 1, 4), datetime(2026, 1, 2, tzinfo=UTC), 1.0),
        # Stored adjusted in 2015: the 4:1 of 2020 was not in the vendor's answer yet.
        (date(2005, 1, 3), datetime(2015, 1, 2, tzinfo=UTC), 14.0),
        # as_of late on the execution date's eve in New York, early next day in UTC.
        (date(2020, 8, 28), datetime(2020, 8, 31, 3, tzinfo=UTC), 1.0),
    ],
)
def test_a_legacy_bar_is_multiplied_back_by_the_splits_it_was_divided_by(
    day: date, as_of: datetime, factor: float
) -> None:
    out = rebased(columns(adjusted_bar(day, 1.25, 5600.0)), SPLITS, as_of, NEW_YORK)
    assert out.close[0] == pytest.approx(1.25 * factor, rel=1e-15)
    assert out.vwap[0] == pytest.approx(1.25 * factor, rel=1e-15)
    assert out.volume[0] == pytest.approx(5600.0 / factor, rel=1e-15)
    assert out.trades[0] == 9


def test_the_vendors_documented_aapl_day_comes_back_as_traded() -> None:
    """2005-01-03 as traded 64.78 / 65.11 / 62.60 / 63.29; the vendor's split-adjusted
    answer (2026) is those divided by 56 (Yahoo Finance, to six decimals: 1.156786 ...)."""
    traded = (64.78, 65.11, 62.60, 63.29)
    o, h, lo, c = (price / 56 for price in traded)
    legacy = Bar("AAPL", Timeframe.D1, Timeframe.D1.daily_stamp(date(2005, 1, 3)),
                 o, h, lo, c, 24_817_000 * 56.0, None, None)  # fmt: skip
    out = rebased(BarColumns.from_bars("AAPL", Timeframe.D1, [legacy]), SPLITS, FETCHED, NEW_YORK)
    back = out.to_bars()[0]
    assert (back.open, back.high, back.low, back.close) == pytest.approx(traded, rel=1e-14)
    assert back.volume == pytest.approx(24_817_000, rel=1e-14)


def test_the_inverse_factors_are_those_of_the_splits_known_on_as_of() -> None:
    factors = legacy_factors(SPLITS, datetime(2015, 6, 1, tzinfo=UTC), NEW_YORK)
    assert factors.boundaries == (date(2005, 2, 28), date(2014, 6, 9))
    assert factors.price_divisors == pytest.approx((1 / 14, 1 / 7))


def test_legacy_spans_vouch_for_nothing_raw() -> None:
    window = Interval(minute(date(2005, 1, 3)), minute(date(2005, 1, 3), 11))
    legacy = CoverageSpan(window, CoverageStatus.FINAL, LEGACY_SOURCE)
    raw = CoverageSpan(window, CoverageStatus.FINAL, "polygon")
    assert raw_ledger([legacy, raw]) == [raw]


def _store() -> tuple[MemoryRepository, MemoryActionStore, LegacyRebase]:
    repository = MemoryRepository(legacy_as_of=FETCHED)
    bars = [adjusted_bar(date(2005, 1, 3), 1.25, 5600.0, hour) for hour in (10, 11)]
    window = Interval(bars[0].start, bars[-1].start + timedelta(minutes=1))
    span = CoverageSpan(window, CoverageStatus.FINAL, LEGACY_SOURCE)
    repository.write(BarBatch("AAPL", Timeframe.M1, bars, LEGACY_SOURCE, None, (span,)))
    actions = MemoryActionStore()
    return repository, actions, LegacyRebase(repository, actions, NEW_YORK)


def test_a_read_without_stored_splits_is_refused_in_one_line() -> None:
    _, _, service = _store()
    with pytest.raises(LegacyBasisUnknown) as refused:
        service.before_read("AAPL")
    assert str(refused.value) == (
        "AAPL holds bars an earlier chronox stored split-adjusted and its splits are not "
        "known yet: run `chronox-cli actions sync AAPL` once"
    )
    service.before_read("MSFT")  # nothing legacy: nothing to do


def test_storing_the_actions_rebases_the_symbol_once() -> None:
    repository, actions, service = _store()
    actions.put_actions(AAPL)
    service.after_sync(AAPL)
    assert not repository.has_legacy("AAPL")
    window = Interval(minute(date(2005, 1, 3), 9), minute(date(2005, 1, 3), 12))
    assert [b.close for b in repository.bars("AAPL", Timeframe.M1, window)] == [70.0, 70.0]
    service.before_read("AAPL")  # rebased already: nothing left to do
    assert [b.volume for b in repository.bars("AAPL", Timeframe.M1, window)] == [100.0, 100.0]
