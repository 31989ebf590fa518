"""What is missing from a range, as every interface lists it: gap windows, and on request
holes, windows answered empty only once and the time the symbol was not listed, with
whether the store holds demo data."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from chronox_domain.gaps import GapWindow
from chronox_domain.ranges import Bound
from chronox_domain.services.coverage import CoverageService
from chronox_domain.services.status import demo_data
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe


class GapKind(enum.Enum):
    #: Nobody fetched it.
    GAP = "gap"
    #: Fetched, and the source had no bar there.
    HOLE = "hole"
    #: The source answered it empty once; it is asked again after the recheck delay.
    UNCONFIRMED = "unconfirmed"
    #: Before the symbol's listing or from its delisting: nothing to fetch, ever.
    UNLISTED = "unlisted"


@dataclass(frozen=True, slots=True)
class Missing:
    window: GapWindow
    kind: GapKind


@dataclass(frozen=True, slots=True)
class GapReport:
    #: Sorted by symbol, then start.
    missing: list[Missing]
    #: The ledger of a listed symbol names a demo source inside the range: the stored
    #: bars around what is missing are demo data.
    demo: bool


class GapsService:
    def __init__(self, coverage: CoverageService) -> None:
        self._coverage = coverage

    def report(
        self,
        symbols: Sequence[str],
        timeframe: Timeframe,
        session: SessionKind,
        start: Bound | None = None,
        end: Bound | None = None,
        holes: bool = False,
    ) -> GapReport:
        scan = self._coverage.scan(symbols, timeframe, session, start, end, holes=holes)
        found = [Missing(window, GapKind.GAP) for window in scan.gaps]
        if holes:
            found += [Missing(window, GapKind.HOLE) for window in scan.holes]
            found += [Missing(window, GapKind.UNCONFIRMED) for window in scan.unconfirmed]
            found += [Missing(window, GapKind.UNLISTED) for window in scan.unlisted]
        found.sort(key=lambda item: (item.window.symbol, item.window.interval.start))
        listed = {item.window.symbol for item in found}
        sources = {source for symbol in listed for source in scan.sources[symbol]}
        return GapReport(found, demo_data(sources))
