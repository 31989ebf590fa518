"""Every colour the monitor draws, in one place (docs/monitor.md explains them to users):
the chart's, then the panels', the status bar's and the demo banner's."""

from __future__ import annotations

from typing import Final

#: The chart's background; a hole (a slot inside a session with no bar) shows as this.
BACKGROUND: Final = "#101418"
#: Axis lines, tick labels and the crosshair readout.
FOREGROUND: Final = "#c8ced6"

#: A bar that closed at or above its open.
UP: Final = "#26a69a"
#: A bar that closed below its open.
DOWN: Final = "#ef5350"
#: Volume under an up bar and under a down bar: the candle colours, dimmed.
VOLUME_UP: Final = "#1b6f67"
VOLUME_DOWN: Final = "#9c3a38"
#: Provisional bars (seen live, not settled yet) are drawn hollow in the candle colours;
#: zoomed out to one candle per pixel column, a column holding one is drawn in this.
PROVISIONAL: Final = "#d4b106"

#: A thin line at each session's first slot.
SESSION_SEPARATOR: Final = "#2c3540"
#: The end of a session that closed early (the day after Thanksgiving, Christmas Eve).
EARLY_CLOSE: Final = "#ff9800"
#: The crosshair lines.
CROSSHAIR: Final = "#7f8b99"
#: A drag-selected range on the ribbon or the chart (translucent, drawn over it).
SELECTION: Final = "#4fc3f766"

#: The coverage ribbon, one colour per kind of span of the ledger.
RIBBON: Final = {
    "final": "#2e7d32",  # fetched after the window settled: complete and trusted
    "provisional": "#f9a825",  # seen live or fetched too recently; will be re-fetched
    "gap": "#d32f2f",  # expected slots nobody has fetched: a backfill would ask for them
    "hole": "#6a1b9a",  # inside final coverage, but the source had no bar for the slot
    "unconfirmed": "#ef6c00",  # the source answered empty once; asked again later
    "empty": "#546e7a",  # the source answered empty twice: confirmed empty
    "unlisted": "#2b2f45",  # before the listing or from the delisting: never expected
}

RIBBON_KINDS: Final = tuple(RIBBON)

#: The state column of the jobs panel.
JOB_STATES: Final = {
    "queued": "#90a4ae",
    "running": "#4fc3f7",
    "succeeded": "#66bb6a",
    "failed": "#ef5350",
    "cancelled": "#ffb74d",
}

#: The status bar's health text: everything answers; the API answers but its store or
#: events are degraded (or it wants a token); the API does not answer.
HEALTHY: Final = "#66bb6a"
DEGRADED: Final = "#ffb74d"
DISCONNECTED: Final = "#ef5350"

#: The banner over the chart whenever the bars are synthetic demo data.
DEMO_BANNER: Final = "#7a4f01"
DEMO_BANNER_TEXT: Final = "#fff3c4"
DEMO_BANNER_EDGE: Final = "#d4b106"

#: The timeframe buttons over the chart: the one shown, and a disabled button.
BUTTON_CHECKED: Final = "#3b4a5a"
BUTTON_DISABLED: Final = "#5c6670"
