"""The registry as rows, each with the coverage % of the range the chart shows; and the
symbols being watched (``--symbol``) that the registry lacks, marked as such: a chart
open on a symbol the panel does not list would leave the user guessing.

Built for 10,000 registry symbols: the registry in pages of :data:`REGISTRY_PAGE`, and
every row's coverage from the coverage matrix, one request per session kind present
(:mod:`chronox_entrypoints.gui.presenters.range_coverage`). Only the few symbols the
matrix did not list (watched outside the registry, or registered since it was read) ask
the coverage summary, one request each, over the same sessions."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chronox_adapters.chronox_api import ChronoxClient
from chronox_domain.symbol import parse_symbol
from chronox_entrypoints.gui.presenters.range_coverage import RangeCoverage

#: Registry entries per request: the API's most (10 requests for 10,000 symbols).
REGISTRY_PAGE = 1_000


@dataclass(frozen=True, slots=True)
class SymbolRow:
    symbol: str
    session: str
    timeframes: str
    active: bool
    #: In the registry; a watched symbol outside it is listed too, flagged.
    registered: bool
    #: Of the range shown (its sessions), in the chart's timeframe and the symbol's
    #: session: slots covered final or provisional over the expected slots that have
    #: ended; None when no slot is expected.
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
        """Every registry entry with its coverage of the sessions dated ``start`` to
        ``end`` (each in its own session), then each of ``watched`` the registry lacks
        (its coverage in ``session``). Without ``start``: the matrix's window, its last
        sessions up to ``end`` or today."""
        entries = list(self.client.all_symbols(limit=REGISTRY_PAGE))
        coverage = RangeCoverage(self.client, timeframe, start, end)
        kinds = dict.fromkeys(entry.session for entry in entries)
        counted = {kind: coverage.of_registry(kind) for kind in kinds}
        rows = []
        for entry in entries:
            slots = counted[entry.session].get(entry.symbol)
            if slots is None:  # registered (or moved to this session) since the matrix
                slots = coverage.of_symbol(entry.symbol, entry.session)
            rows.append(
                SymbolRow(
                    symbol=entry.symbol,
                    session=entry.session,
                    timeframes=" ".join(entry.timeframes),
                    active=entry.active,
                    registered=True,
                    percent=slots.percent,
                )
            )
        registered = {row.symbol for row in rows}
        for symbol in dict.fromkeys(watched):
            if symbol in registered:
                continue
            rows.append(
                SymbolRow(
                    symbol=symbol,
                    session=session,
                    timeframes="",
                    active=False,
                    registered=False,
                    percent=coverage.of_symbol(symbol, session).percent,
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
