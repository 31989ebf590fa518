"""A bar event as JSON: one line of `watch --json`, one frame of `/ws/bars`."""

from __future__ import annotations

from chronox_domain.events import BarEvent


def event_fields(event: BarEvent) -> dict[str, object]:
    """The bar's fields (its start a UTC instant with a ``Z``), whether it is
    provisional, and its source."""
    bar = event.bar
    return {
        "symbol": bar.symbol,
        "timeframe": bar.timeframe.value,
        "start": bar.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": bar.volume,
        "vwap": bar.vwap,
        "trades": bar.trades,
        "provisional": event.provisional,
        "source": event.source,
    }
