"""Splits reported by the vendor (reference splits endpoint)."""

from __future__ import annotations

from datetime import date

from chronox_adapters.polygon.rest import PolygonRestSource
from chronox_domain.errors import SourceUnavailable
from chronox_domain.splits import Split
from chronox_domain.symbol import parse_symbol


class PolygonSplits:
    """``SplitSource`` over the REST source's client, limiter and retries."""

    def __init__(self, rest: PolygonRestSource) -> None:
        self._rest = rest

    def splits(self, symbol: str) -> list[Split]:
        ticker = parse_symbol(symbol)
        page = self._rest.get_json(
            "/v3/reference/splits", {"ticker": ticker, "limit": "1000"}, f"splits of {ticker}"
        )
        found = []
        for item in page.get("results") or []:
            try:
                found.append(
                    Split(
                        ticker,
                        date.fromisoformat(item["execution_date"]),
                        float(item["split_from"]),
                        float(item["split_to"]),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise SourceUnavailable(f"the vendor sent a malformed split: {exc!r}") from None
        return sorted(found, key=lambda split: split.execution_date)
