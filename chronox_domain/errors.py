"""One error hierarchy for everything chronox can refuse or fail at.

Entry points translate these: an exit code and one line in the CLI, a status and a
JSON body in the API. Each error carries a short machine-readable ``code``.
"""

from __future__ import annotations


class ChronoxError(Exception):
    """Base of every error chronox raises on purpose."""

    code = "chronox_error"


class InvalidInput(ChronoxError):
    """Something a user or a file handed us cannot be used as it is."""

    code = "invalid_input"


class InvalidSymbol(InvalidInput):
    code = "invalid_symbol"


class InvalidTimeframe(InvalidInput):
    code = "invalid_timeframe"


class InvalidRange(InvalidInput):
    """An empty, inverted or out-of-calendar range of time."""

    code = "invalid_range"


class MalformedData(InvalidInput):
    """A file or a payload whose content cannot be parsed (says where)."""

    code = "malformed_data"


class NotFound(ChronoxError):
    code = "not_found"


class SourceMismatch(ChronoxError):
    """The ledger already holds this symbol and timeframe from another source."""

    code = "source_mismatch"


class SourceUnavailable(ChronoxError):
    code = "source_unavailable"


class RateLimited(SourceUnavailable):
    code = "rate_limited"


class WindowRefused(SourceUnavailable):
    """The source refuses one window (a plan limit, such as how far back a plan may
    read) but may well answer others: ingestion records it and goes on."""

    code = "window_refused"


class StorageUnavailable(ChronoxError):
    code = "storage_unavailable"


class SchemaMismatch(StorageUnavailable):
    """The store was written by a newer chronox than this one."""

    code = "schema_mismatch"
