"""Deterministic, random-access minute bars for a (symbol, seed).

Every minute's values come from a hash of (symbol, seed, minute), so any window can be
generated on its own and always looks the same: re-running an ingest, or asking for a
sub-window, gives identical bars. Prices follow smooth multi-scale "value noise" (daily,
hourly and per-minute knots), one minute's close is the next minute's open, and a small
deterministic share of minutes is left empty, the way thin trading leaves them.
"""

from __future__ import annotations

import math
import zlib

_MASK = (1 << 64) - 1
_UNIT = 1.0 / float(1 << 64)

#: Share of minutes with no trades in regular hours and in extended hours.
EMPTY_SHARE_RTH = 0.005
EMPTY_SHARE_ETH = 0.25

Minute = tuple[float, float, float, float, float, float, int]


def _mix(value: int) -> int:
    """splitmix64: a cheap, well-spread 64-bit hash."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


class MinuteGenerator:
    def __init__(self, symbol: str, seed: int) -> None:
        self._key = _mix(zlib.crc32(symbol.encode()) ^ (seed * 0x100000001B3))
        self._base = 20.0 + (self._key % 48_000) / 100.0
        self._volume = 2_000 + self._key % 50_000

        self._knots: dict[tuple[int, int], float] = {}
        self._last_price = (-1, 0.0)

    def _uniform(self, salt: int, index: int) -> float:
        return _mix(self._key ^ (salt << 56) ^ index) * _UNIT

    def _knot(self, salt: int, index: int) -> float:
        # Neighbouring minutes share knots (a month knot serves ~40,000 minutes), so
        # remembering them halves the hashing; the cache is bounded by clearing it.
        key = (salt, index)
        value = self._knots.get(key)
        if value is None:
            if len(self._knots) > 100_000:
                self._knots.clear()
            value = self._knots[key] = self._uniform(salt, index) * 2 - 1
        return value

    def _noise(self, salt: int, position: float) -> float:
        """Smooth noise in [-1, 1): linear interpolation between hashed knots."""
        knot = math.floor(position)
        weight = position - knot
        left = self._knot(salt, knot)
        return left + (self._knot(salt, knot + 1) - left) * weight

    def price(self, epoch_minute: int) -> float:
        # One minute's close is the next one's open: remember the last price asked for.
        if self._last_price[0] == epoch_minute:
            return self._last_price[1]
        value = self._price(epoch_minute)
        self._last_price = (epoch_minute, value)
        return value

    def _price(self, epoch_minute: int) -> float:
        days = epoch_minute / 1440.0
        log_move = (
            0.25 * self._noise(1, days / 30.0)  # months
            + 0.03 * self._noise(2, days)  # days
            + 0.004 * self._noise(3, epoch_minute / 60.0)  # hours
            + 0.0006 * self._noise(4, float(epoch_minute))  # minutes
        )
        return self._base * math.exp(log_move)

    def minute(self, epoch_minute: int, regular_hours: bool) -> Minute | None:
        """(open, high, low, close, volume, vwap, trades), or None for no trades."""
        empty_share = EMPTY_SHARE_RTH if regular_hours else EMPTY_SHARE_ETH
        if self._uniform(5, epoch_minute) < empty_share:
            return None
        open_ = round(self.price(epoch_minute), 2)
        close = round(self.price(epoch_minute + 1), 2)
        wick = self._uniform(6, epoch_minute) * 0.0008
        high = round(max(open_, close) * (1 + wick), 2)
        low = round(min(open_, close) * (1 - wick * self._uniform(7, epoch_minute)), 2)
        scale = 1.0 if regular_hours else 0.08
        volume = float(int(self._volume * scale * (0.3 + 1.4 * self._uniform(8, epoch_minute))) + 1)
        vwap = round((open_ + high + low + close) / 4, 4)
        trades = max(1, int(volume // 37))
        return open_, high, low, close, volume, vwap, trades
