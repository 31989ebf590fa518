"""Polygon (Massive since 2025-10-30): REST history, the live minute feed and the
corporate actions of the reference endpoints, through the official ``massive`` client.

The same file set as every vendor family: ``config`` (frozen settings), ``parsing``
(vendor JSON to bars), ``rest`` / ``websocket`` (the sources), plus the rate limiter,
the backoff policy and ``actions`` (splits, dividends, ticker changes and the
listing period of ``/stocks/v1`` and ``/v3``, ``/vX/reference/tickers``).
"""

from chronox_adapters.polygon.actions import PolygonCorporateActions
from chronox_adapters.polygon.config import PolygonConfig
from chronox_adapters.polygon.ratelimit import RateLimiter, RequestLimiter
from chronox_adapters.polygon.rest import PolygonRestSource
from chronox_adapters.polygon.websocket import PolygonLiveSource

__all__ = [
    "PolygonConfig",
    "PolygonCorporateActions",
    "PolygonLiveSource",
    "PolygonRestSource",
    "RateLimiter",
    "RequestLimiter",
]
