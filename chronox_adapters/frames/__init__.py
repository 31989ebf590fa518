"""DataFrames: the calendar check for a frame of bars from anywhere (pandas)."""

from chronox_adapters.frames.check import FrameReport, check_frame

__all__ = ["FrameReport", "check_frame"]
