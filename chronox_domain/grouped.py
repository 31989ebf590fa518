"""The whole market's daily bars of one date in one request: the vendor's grouped daily
endpoint (``GET /v2/aggs/grouped/locale/us/market/stocks/{date}``), for users without
flat-files access.

Its answer is "the daily open, high, low, and close (OHLC) for the entire
stocks/equities markets" (the vendor's OpenAPI description, ``.massive/rest.json`` in
polygon-io/client-python): every ticker that traded that date, a bar each, on the raw
basis when asked with ``adjusted=false``. So a ticker in the answer is vouched for by
its bar, and a ticker not in it had no bar *under that ticker* that date.
:mod:`chronox_domain.services.grouped` records exactly that: the day of every ticker of
the answer, final. It does not confirm empty the registry symbols the answer lacks: a
symbol that follows a company across a ticker change (META) is filled from another
ticker's bars (FB's) on the dates before the change, which the absence of META proves
nothing about; those stay gaps, and the per-symbol ingest asks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from chronox_domain.bar import Bar


@dataclass(frozen=True, slots=True)
class MarketDay:
    """The grouped answer of one date: a daily bar per ticker (``Bar.symbol`` is the
    vendor's ticker, canonical), and why each item that is no bar was left out."""

    day: date
    bars: list[Bar]
    #: Items that could not be read as a bar of ``day`` (a malformed ticker, a
    #: stamp of another date, a missing field), one reason each.
    unreadable: list[str] = field(default_factory=list)


class MarketDaySource(Protocol):
    """The whole market's daily bars of one date (the vendor's REST)."""

    name: str

    def market_day(self, day: date) -> MarketDay:
        """One request. Raises ``WindowRefused`` when the vendor refuses the date (a plan
        limit), ``SourceUnavailable`` when it cannot answer (after retries)."""
        ...
