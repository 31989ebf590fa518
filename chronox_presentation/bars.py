"""Bars: one bar, a page of them (API), a stored series (``bars --format json``), and a
bar event (``watch --json``, ``/ws/bars``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chronox_domain.actions import PriceBasis
from chronox_domain.bar import Bar
from chronox_domain.events import BarEvent
from chronox_domain.services.bars import BarPage, BarSeries
from chronox_domain.services.status import demo_data
from chronox_domain.timeformat import iso_utc


class BarOut(BaseModel):
    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = None
    trades: int | None = None

    @classmethod
    def of(cls, bar: Bar) -> BarOut:
        return cls(
            start=bar.start,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            vwap=bar.vwap,
            trades=bar.trades,
        )


class SeriesKey(BaseModel):
    """What names a series. Listed as the last base of a model, its fields come first."""

    symbol: str
    timeframe: str


class BarsPage(SeriesKey):
    bars: list[BarOut]
    derived_from: Literal["1m"] | None = None
    demo: bool = Field(False, description="synthetic demo data, not real market prices")
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    adjust: Literal["none", "splits", "all"] = Field(
        "splits", description="the price basis of the bars (the `adjust` asked)"
    )

    @classmethod
    def of(cls, page: BarPage) -> BarsPage:
        return cls(
            symbol=page.symbol,
            timeframe=page.timeframe.value,
            bars=[BarOut.of(bar) for bar in page.bars],
            derived_from="1m" if page.provenance.derived else None,
            demo=page.provenance.demo,
            next_cursor=None if page.next_cursor is None else iso_utc(page.next_cursor),
            adjust=page.basis.value,
        )


class StoredBarsOut(SeriesKey):
    """A whole series with where it comes from (`bars --format json` prints it as it
    reads the bars: see cli/render.emit_json_listing)."""

    sources: list[str]
    derived_from: Literal["1m"] | None = None
    demo: bool
    #: The price basis of the bars (none, splits, all).
    adjust: Literal["none", "splits", "all"] = "splits"
    bars: list[BarOut]

    @classmethod
    def of(cls, series: BarSeries) -> StoredBarsOut:
        provenance = series.provenance
        return cls(
            symbol=series.symbol,
            timeframe=series.timeframe.value,
            sources=list(provenance.sources),
            derived_from="1m" if provenance.derived else None,
            demo=provenance.demo,
            adjust=series.basis.value,
            bars=[BarOut.of(bar) for bar in series.bars],
        )


class BarEventOut(BarOut, SeriesKey):
    """A bar just stored, whether it is provisional, and its source."""

    provisional: bool
    source: str
    #: The source generates demo data (synthetic): not real market prices.
    demo: bool = False

    @classmethod
    def of_event(cls, event: BarEvent) -> BarEventOut:
        bar = event.bar
        return cls(
            symbol=bar.symbol,
            timeframe=bar.timeframe.value,
            start=bar.start,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            vwap=bar.vwap,
            trades=bar.trades,
            provisional=event.provisional,
            source=event.source,
            demo=demo_data([event.source]),
        )


class LiveBarOut(BarEventOut):
    """A frame of ``/ws/bars``: a bar event, and the price basis the subscription asked
    for (a replayed bar is read on it; a live bar reads the same on every basis)."""

    adjust: Literal["none", "splits", "all"] = Field(
        "splits", description="the price basis of the bars (the `adjust` asked)"
    )

    @classmethod
    def of_live(cls, event: BarEvent, basis: PriceBasis) -> LiveBarOut:
        return cls(**BarEventOut.of_event(event).model_dump(), adjust=basis.value)
