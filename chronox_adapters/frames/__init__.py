"""DataFrames: bar columns to pandas, polars and Arrow and back, and the calendar check
for a frame of bars from anywhere (numpy, pandas, pyarrow)."""

from chronox_adapters.frames.check import FrameReport, check_frame
from chronox_adapters.frames.convert import BAR_SCHEMA, bars_of, to_arrow, to_pandas, to_polars

__all__ = [
    "BAR_SCHEMA",
    "FrameReport",
    "bars_of",
    "check_frame",
    "to_arrow",
    "to_pandas",
    "to_polars",
]
