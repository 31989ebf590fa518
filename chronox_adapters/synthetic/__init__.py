"""Deterministic demo bars: the embedded default source when no vendor key is set."""

from chronox_adapters.synthetic.live import SyntheticLiveSource
from chronox_adapters.synthetic.source import SyntheticSource

__all__ = ["SyntheticLiveSource", "SyntheticSource"]
