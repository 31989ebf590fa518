"""Backfill: close the gaps of the registry's symbols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chronox_domain.errors import NotRegistered
from chronox_domain.ports import SymbolRegistry
from chronox_domain.ranges import Bound
from chronox_domain.registry import SymbolEntry
from chronox_domain.services.ingestion import (
    Counted,
    IngestionService,
    IngestReport,
    IngestRequest,
    Progress,
    warn_unsynced,
)
from chronox_domain.symbol import parse_symbol


@dataclass(slots=True)
class BackfillReport:
    """The totals, and one report per (symbol, timeframe) that was worked on."""

    total: IngestReport
    parts: list[tuple[str, str, IngestReport]] = field(default_factory=list)


class BackfillOrchestrator:
    """For each active registry symbol and timeframe: gaps, plan, fetch, store, report."""

    def __init__(
        self,
        registry: SymbolRegistry,
        ingestion: IngestionService,
    ) -> None:
        self._registry = registry
        self._ingestion = ingestion

    def targets(self, symbols: Sequence[str] = ()) -> list[SymbolEntry]:
        if not symbols:
            return self._registry.entries(active_only=True)
        names = sorted({parse_symbol(s) for s in symbols})
        found = {name: self._registry.get(name) for name in names}
        if missing := [name for name, entry in found.items() if entry is None]:
            raise NotRegistered(*missing)
        return [entry for entry in found.values() if entry is not None]

    def run(
        self,
        symbols: Sequence[str] = (),
        start: Bound | None = None,
        end: Bound | None = None,
        progress: Progress | None = None,
        counted: Counted | None = None,
    ) -> BackfillReport:
        """``progress`` and ``counted`` as ``IngestionService.ingest`` calls them, for
        each (symbol, timeframe) in turn."""
        source = self._ingestion.source
        report = BackfillReport(IngestReport(source=source.name, demo=source.demo))
        targets = self.targets(symbols)
        # All the symbols' corporate actions at once, before any gap is computed (their
        # listing periods bound the gaps): one sync stops asking a vendor that failed
        # three symbols in a row, where one sync per (symbol, timeframe) would not.
        unsynced = self._ingestion.sync_actions([entry.symbol for entry in targets])
        for entry in targets:
            for timeframe in entry.timeframes:
                request = IngestRequest(
                    symbols=(entry.symbol,),
                    timeframe=timeframe,
                    session=entry.session,
                    start=start,
                    end=end,
                    sync_actions=False,
                    follow_renames=entry.follow_renames,
                )
                part = self._ingestion.ingest(request, progress, counted)
                report.parts.append((entry.symbol, timeframe.value, part))
                report.total.add(part)
        warn_unsynced(unsynced)  # after the bars, as an ingest does (see there)
        return report
