"""The monitor's chart engine: bars as numpy columns on a calendar-slot axis, candles,
volume and the coverage ribbon (pyqtgraph items), and :class:`ChartView` over them.

Import :mod:`chronox_entrypoints.gui.chart.view` for the widget; ``columns`` and
``slots`` need numpy alone, so presenters can use them without Qt.
"""

from chronox_entrypoints.gui.chart.columns import BarColumns
from chronox_entrypoints.gui.chart.slots import SlotAxis

__all__ = ["BarColumns", "SlotAxis"]
