"""Bars from local files: chronox CSV (what ``chronox-cli bars --format csv`` prints) and
the vendor's flat-file aggregates, plain or gzip-compressed."""

from chronox_adapters.files.source import FileSource

__all__ = ["FileSource"]
