"""The registry as rows, each with the coverage % of the range the chart shows; and the
symbols being watched (``--symbol``) that the registry lacks, marked as such: a chart
open on a symbol the panel does not list would leave the user guessing."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.symbol import parse_symbol


@dataclass(frozen=True, slots=True)
class SymbolRow:
    symbol: str
    session: str
    timeframes: str
    active: bool
    #: In the registry; a watched symbol outside it is listed too, flagged.
    registered: bool
    #: Of the range shown, in the chart's timeframe; None when no slot is expected.
    percent: float | None

    @property
    def coverage(self) -> str:
        return "-" if self.percent is None else f"{self.percent:.1f} %"

    @property
    def state(self) -> str:
        if not self.registered:
            return "not in registry"
        return "active" if self.active else "inactive"


class SymbolsPresenter:
    def __init__(self, client: ChronoxClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self.rows: list[SymbolRow] = []

    def refresh(
        self,
        timeframe: str,
        start: date | datetime | None,
        end: date | datetime | None,
        watched: Sequence[str] = (),
        session: str = "rth",
    ) -> list[SymbolRow]:
        """Every registry entry with its coverage of ``start``..``end``, then each of
        ``watched`` the registry lacks (its coverage in ``session``)."""
        rows = []
        for entry in self.client.all_symbols():
            summary = self.client.coverage_summary(
                entry.symbol, timeframe, start, end, session=entry.session
            )
            rows.append(
                SymbolRow(
                    symbol=entry.symbol,
                    session=entry.session,
                    timeframes=" ".join(entry.timeframes),
                    active=entry.active,
                    registered=True,
                    percent=summary.percent,
                )
            )
        registered = {row.symbol for row in rows}
        for symbol in dict.fromkeys(watched):
            if symbol in registered:
                continue
            summary = self.client.coverage_summary(symbol, timeframe, start, end, session=session)
            rows.append(
                SymbolRow(
                    symbol=symbol,
                    session=session,
                    timeframes="",
                    active=False,
                    registered=False,
                    percent=summary.percent,
                )
            )
        with self._lock:
            self.rows = rows
        return rows

    def add(self, symbol: str, timeframes: Sequence[str] = ("1m",), session: str = "rth") -> str:
        """Register ``symbol`` (needs the API's token when it has one); its name."""
        name = parse_symbol(symbol)  # its case rule: "spy" is SPY, "KIMpL" stays
        self.client.add_symbol(name, timeframes, session)
        return name

    def remove(self, symbol: str) -> None:
        self.client.remove_symbol(symbol)
