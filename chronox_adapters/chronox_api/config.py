"""Frozen, typed configuration of the chronox API client."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Where ``chronox-cli serve`` listens by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class ChronoxApiConfig:
    base_url: str = DEFAULT_BASE_URL
    #: The API's bearer token (``CHRONOX_API_TOKEN`` of the server); None: send none.
    #: Never shown: not in ``repr``, not in any error text.
    token: str | None = field(default=None, repr=False)
    connect_timeout: float = 5.0
    #: How long one read of an answer (or one chunk of a CSV stream) may wait.
    read_timeout: float = 30.0
    #: The most one call may take in all, from asking to the last byte of the answer
    #: (a read timeout alone starts again at every byte: an answer that trickles in
    #: would never be too slow). A CSV stream: until its first byte.
    deadline: float = 30.0
    #: Live bars: the pause before reconnect attempt n is ``reconnect_base * 2**(n-1)``
    #: seconds, capped at ``reconnect_cap``.
    reconnect_base: float = 0.25
    reconnect_cap: float = 10.0
    #: Live bars: failed connection attempts in a row before ``subscribe`` gives up with
    #: ``SourceUnavailable`` (None: keep trying).
    max_reconnects: int | None = 20
    #: Live bars: how many of each symbol's latest bars to ask for again after a
    #: reconnect, to fill what was missed (the server's most is 1,000).
    catch_up: int = 1_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @property
    def ws_url(self) -> str:
        """The base URL with the WebSocket scheme (``ws://`` or ``wss://``)."""
        scheme, _, rest = self.base_url.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"

    def secrets(self) -> tuple[str, ...]:
        return (self.token,) if self.token else ()

    def __repr__(self) -> str:  # the token never appears, not even masked
        return (
            f"ChronoxApiConfig(base_url={self.base_url!r}, "
            f"token={'set' if self.token else 'not set'}, "
            f"connect_timeout={self.connect_timeout!r}, read_timeout={self.read_timeout!r}, "
            f"deadline={self.deadline!r})"
        )
