"""The ``Metrics`` port's do-nothing implementation: the default where nobody exports."""

from __future__ import annotations

from chronox_domain.timeframe import Timeframe


class NullMetrics:
    """Counts nothing (notebooks, the CLI): a service never has to ask whether it may count."""

    def bars_ingested(self, source: str, timeframe: Timeframe, written: int, rejected: int) -> None:
        pass

    def gaps_closed(self, source: str, timeframe: Timeframe, windows: int) -> None:
        pass

    def vendor_request(self, source: str, status: str, failed: bool, retried: bool) -> None:
        pass


NO_METRICS = NullMetrics()
