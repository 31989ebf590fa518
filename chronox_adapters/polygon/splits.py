"""Splits reported by the vendor (reference splits endpoint)."""

from __future__ import annotations

from datetime import date

from chronox_adapters.polygon.rest import PolygonRestSource
from chronox_domain.errors import SourceUnavailable
from chronox_domain.splits import Split
from chronox_domain.symbol import parse_symbol

#: The endpoint's largest page ("max is 1000", the vendor's API description).
_PAGE = "1000"


class PolygonSplits:
    """``SplitSource`` over the REST source's client, limiter and retries."""

    def __init__(self, rest: PolygonRestSource) -> None:
        self._rest = rest

    def splits(self, symbol: str) -> list[Split]:
        """Every split of ``symbol``, all pages followed. Only items whose own ``ticker``
        is ``symbol`` count: an answer may list another ticker's (a related or former
        listing), and applying its split would drop coverage for nothing."""
        ticker = parse_symbol(symbol)
        pages = self._rest.get_pages(
            "/v3/reference/splits", {"ticker": ticker, "limit": _PAGE}, f"splits of {ticker}"
        )
        found = []
        for page in pages:
            for item in page.get("results") or []:
                try:
                    if item["ticker"] != ticker:
                        continue
                    found.append(
                        Split(
                            ticker,
                            date.fromisoformat(item["execution_date"]),
                            float(item["split_from"]),
                            float(item["split_to"]),
                        )
                    )
                except (KeyError, TypeError, ValueError) as exc:
                    raise SourceUnavailable(
                        f"the vendor sent a malformed split: {exc!r}"
                    ) from None
        unique = {(s.execution_date, s.split_from, s.split_to): s for s in found}
        return sorted(unique.values(), key=lambda split: split.execution_date)
