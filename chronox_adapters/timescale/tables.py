"""Table names come from this fixed mapping, never from input."""

from __future__ import annotations

from chronox_domain.timeframe import Timeframe

BAR_TABLES: dict[Timeframe, str] = {
    Timeframe.M1: "bars_1m",
    Timeframe.M5: "bars_5m",
    Timeframe.M15: "bars_15m",
    Timeframe.H1: "bars_1h",
    Timeframe.D1: "bars_1d",
}

BAR_COLUMNS = (
    "symbol", "start", "open", "high", "low", "close", "volume", "vwap", "trades",
    "provisional", "source",
)  # fmt: skip
