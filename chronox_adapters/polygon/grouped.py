"""The grouped daily answer to chronox bars: every ticker's daily bar of one date.

rest.json (the vendor's OpenAPI description, ``.massive/rest.json`` in
polygon-io/client-python), ``GET /v2/aggs/grouped/locale/us/market/stocks/{date}``:
``results`` items hold ``T`` ("The exchange symbol that this item is traded under"),
``o h l c v t`` (required) and ``vw n`` (optional); ``t`` is "the Unix Msec timestamp
for the end of the aggregate window". The bar is stamped with the asked date (chronox's
daily stamp); an item whose ``t`` is not on that date in New York is not that date's
bar and is left out, with the reason, as is an item with a ticker chronox cannot store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chronox_domain.bar import Bar
from chronox_domain.errors import ChronoxError, MalformedData
from chronox_domain.grouped import MarketDay
from chronox_domain.session import exchange_timezone
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe


def parse_grouped(page: dict[str, Any], day: date) -> MarketDay:
    """The bars of one decoded grouped answer; ``results`` absent or null: no bars."""
    results = page.get("results") or []
    if not isinstance(results, list):
        raise MalformedData(f"grouped daily answer of {day}: 'results' is not a list")
    stamp = Timeframe.D1.daily_stamp(day)
    zone = exchange_timezone()
    bars: list[Bar] = []
    unreadable: list[str] = []
    for item in results:
        try:
            ticker = parse_symbol(item["T"])
            said = datetime.fromtimestamp(item["t"] / 1000, zone).date()
            if said != day:
                raise ValueError(f"stamped {said}, not {day}")
            bars.append(
                Bar(ticker, Timeframe.D1, stamp, float(item["o"]), float(item["h"]),
                    float(item["l"]), float(item["c"]), float(item["v"]),
                    _number(item.get("vw")), _count(item.get("n")))
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, OverflowError, ChronoxError) as exc:
            name = item.get("T") if isinstance(item, dict) else None
            unreadable.append(f"{name!r} {day}: {exc!s}"[:200])
    return MarketDay(day, bars, unreadable)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)
