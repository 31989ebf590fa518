"""What the monitor shows, worked out in plain Python over the API's typed client.

No widget and no Qt here: each presenter calls :class:`ChronoxClient`, shapes the
answers into plain values (numpy columns of bars, ribbon segments, rows of jobs and
symbols, a status line) and keeps the state a view needs. Views draw them; tests run
them against a real API without a display. Presenters may be called from a worker
thread (the client is thread-safe); each guards its own state with a lock.
"""

from chronox_entrypoints.gui.presenters.chart import ChartPresenter
from chronox_entrypoints.gui.presenters.coverage import CoveragePresenter, RibbonSegment
from chronox_entrypoints.gui.presenters.jobs import JobRow, JobsPresenter
from chronox_entrypoints.gui.presenters.status import StatusPresenter, StatusReport
from chronox_entrypoints.gui.presenters.symbols import SymbolRow, SymbolsPresenter

__all__ = [
    "ChartPresenter",
    "CoveragePresenter",
    "JobRow",
    "JobsPresenter",
    "RibbonSegment",
    "StatusPresenter",
    "StatusReport",
    "SymbolRow",
    "SymbolsPresenter",
]
