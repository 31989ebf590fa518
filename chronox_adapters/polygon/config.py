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
    #: Split-adjusted bars (the vendor's default). Recorded in the ledger's source name.
    adjusted: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: A request that has not completed after this long is abandoned and retried.
    total_timeout: float = 60.0
    #: Retries of one request after 429 / 5xx / timeouts / malformed pages.
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Live feed: reconnect attempts after a disconnect before giving up.
    max_reconnects: int = 10

    @property
    def source_name(self) -> str:
        return "polygon" if self.adjusted else "polygon-unadjusted"

    def __repr__(self) -> str:  # the key never appears, not even masked
        return (
            f"PolygonConfig(base_url={self.base_url!r}, ws_host={self.ws_host!r}, "
            f"rate_per_minute={self.rate_per_minute!r}, adjusted={self.adjusted!r})"
        )
