"""DataFrames: bar columns to pandas, polars and Arrow and back, the calendar check for
a frame of bars from anywhere (numpy, pandas, pyarrow), and a symbol's corporate actions
as a frame."""

from chronox_adapters.frames.actions import actions_frame
from chronox_adapters.frames.check import FrameReport, check_frame
from chronox_adapters.frames.convert import BAR_SCHEMA, bars_of, to_arrow, to_pandas, to_polars

__all__ = [
    "BAR_SCHEMA",
    "FrameReport",
    "actions_frame",
    "bars_of",
    "check_frame",
    "to_arrow",
    "to_pandas",
    "to_polars",
]
