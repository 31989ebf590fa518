"""A symbol's corporate actions as a pandas DataFrame: one row per action, by date.

The columns are :data:`chronox_presentation.ACTION_COLUMNS`, the rows those of
:func:`chronox_presentation.action_rows` (what ``chronox-cli actions SYMBOL`` lists), so
the frame, the CLI's table and the API's JSON hold the same content. Dates are exchange
dates as ``datetime64`` (no time zone: a date is no instant), numbers ``float64`` (NaN
where a kind has no such field), ``active`` a nullable boolean; ``attrs`` name the
symbol and when the vendor answered (``fetched_at``, UTC).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from chronox_presentation import ACTION_COLUMNS, ActionsOut, action_rows

_DATES = ("date", "record_date", "pay_date", "declaration_date")
_NUMBERS = ("split_from", "split_to", "historical_adjustment_factor", "cash_amount")


def actions_frame(actions: ActionsOut) -> Any:
    """The DataFrame of ``actions`` (see the module)."""
    frame = pd.DataFrame(action_rows(actions), columns=list(ACTION_COLUMNS))
    for name in _DATES:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in _NUMBERS:
        frame[name] = frame[name].astype("float64")
    frame["active"] = frame["active"].astype("boolean")
    frame.attrs["symbol"] = actions.symbol
    frame.attrs["fetched_at"] = pd.Timestamp(actions.fetched_at)
    return frame
