"""Frozen, typed configuration of the Polygon (Massive) adapters."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://api.massive.com"
DEFAULT_WS_HOST = "socket.massive.com"


@dataclass(frozen=True, slots=True)
class PolygonConfig:
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    ws_host: str = DEFAULT_WS_HOST
    ws_secure: bool = True
    #: Requests per minute shared by every fetch of this process (None: unlimited).
    rate_per_minute: int | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: A request that has not completed after this long is abandoned and retried.
    total_timeout: float = 60.0
    #: Retries of one request after 5xx / timeouts / malformed pages.
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: The vendor's quota window: its plans allow so many requests *a minute*.
    quota_window: float = 60.0
    #: How long one request keeps trying through 429s, in quota windows: at least two
    #: full windows (a 429 is normal traffic against a quota, not a failure).
    rate_limit_windows: float = 3.0

    #: Items asked per page of the reference lists (``/stocks/v1/splits`` and
    #: ``/dividends``): their largest ("The maximum allowed limit is '5000'").
    reference_page_limit: int = 5_000

    @property
    def rate_limit_patience(self) -> float:
        return self.rate_limit_windows * self.quota_window
    #: Live feed: reconnect attempts in a row (without a healthy connection between
    #: them) before the stream ends with ``SourceUnavailable``.
    max_reconnects: int = 10
    #: Live feed: the pause before reconnect attempt n is ``reconnect_base * 2**(n-1)``
    #: seconds, capped at ``reconnect_cap``, jittered between half and all of it.
    reconnect_base: float = 1.0
    reconnect_cap: float = 60.0
    #: Live feed: a connection that stayed up this long and delivered minute bars is
    #: healthy: the count of attempts in a row starts again from zero after it.
    healthy_after: float = 60.0
    #: Live feed: a connection that has not answered (handshake, auth, subscriptions)
    #: after this long is abandoned and counts as a failed attempt.
    answer_timeout: float = 20.0

    @property
    def source_name(self) -> str:
        # One basis, as traded (``adjusted=false``): REST, the live feed and flat files
        # fill the same series; reads adjust (chronox_domain/adjust.py).
        return "polygon"

    def __repr__(self) -> str:  # the key never appears, not even masked
        return (
            f"PolygonConfig(base_url={self.base_url!r}, ws_host={self.ws_host!r}, "
            f"rate_per_minute={self.rate_per_minute!r})"
        )
