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
    """What was asked for does not exist: an unknown job id, nothing stored to export."""

    code = "not_found"


class NotRegistered(NotFound):
    """A command needs ``symbol`` (and ``more``) in the registry, and they are not there.
    The one error for that case on every path (backfill, the registry's get and remove, a
    job's symbols), so that each interface renders it alike and adds its own advice. A
    command of several symbols names every missing one at once, not one per attempt."""

    def __init__(self, symbol: str, *more: str) -> None:
        self.symbols = (symbol, *more)
        verb = "are" if more else "is"
        super().__init__(f"{', '.join(self.symbols)} {verb} not in the registry")
        self.symbol = symbol

    def __reduce__(self) -> tuple[type[NotRegistered], tuple[str, ...]]:
        return type(self), self.symbols


class ActionsNotSynced(NotFound):
    """No corporate actions of ``symbol`` were ever fetched into the store: not "it has
    none", but "nobody asked". Each interface adds how to sync them."""

    def __init__(self, symbol: str) -> None:
        super().__init__(f"the corporate actions of {symbol} were never synced")
        self.symbol = symbol

    def __reduce__(self) -> tuple[type[ActionsNotSynced], tuple[str]]:
        return type(self), (self.symbol,)


class Unauthorized(ChronoxError):
    """A call that needs the API token was made without it (or with another)."""

    code = "unauthorized"


class SourceMismatch(ChronoxError):
    """The ledger already holds this symbol and timeframe from another source:
    ``recorded`` (sorted), where ``asked`` was to be mixed in."""

    code = "source_mismatch"

    def __init__(self, symbol: str, timeframe: str, recorded: tuple[str, ...], asked: str) -> None:
        super().__init__(
            f"{symbol} {timeframe} is stored from {', '.join(recorded)}; refusing to mix in {asked}"
        )
        self.symbol = symbol
        self.timeframe = timeframe
        self.recorded = recorded
        self.asked = asked

    def __reduce__(self) -> tuple[type[SourceMismatch], tuple[str, str, tuple[str, ...], str]]:
        return type(self), (self.symbol, self.timeframe, self.recorded, self.asked)


class SourceUnavailable(ChronoxError):
    code = "source_unavailable"


class RateLimited(SourceUnavailable):
    code = "rate_limited"


class WindowRefused(SourceUnavailable):
    """The source refuses one window (a plan limit, such as how far back a plan may
    read) but may well answer others: ingestion records it and goes on."""

    code = "window_refused"


class BasisChanged(ChronoxError):
    """A split or an ex-date took effect (or was learned of) while a live subscription
    stayed open: the bars it replayed on ``splits`` or ``all`` are stale. The subscriber
    reads them again on the new basis and subscribes anew."""

    code = "basis_changed"


class LegacyBasisUnknown(ChronoxError):
    """``symbol`` holds legacy split-adjusted bars and no corporate actions are stored
    for it, so they cannot be put on the traded basis: reading it would mix bases."""

    code = "legacy_basis_unknown"

    def __init__(self, symbol: str) -> None:
        super().__init__(
            f"{symbol} holds bars an earlier chronox stored split-adjusted and its splits "
            f"are not known yet: run `chronox-cli actions sync {symbol}` once"
        )
        self.symbol = symbol

    def __reduce__(self) -> tuple[type[LegacyBasisUnknown], tuple[str]]:
        return type(self), (self.symbol,)


class StorageUnavailable(ChronoxError):
    code = "storage_unavailable"


class SchemaMismatch(StorageUnavailable):
    """The store was written by a newer chronox than this one."""

    code = "schema_mismatch"


class SchemaOutdated(StorageUnavailable):
    """The store's schema is older than this code, and migrating on open is turned off."""

    code = "schema_outdated"


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message, or its type's name when it has none: what a
    one-line report quotes of a driver's or a library's exception."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def typed_first_line(error: BaseException) -> str:
    """``Type: first line`` (the type alone when there is no message), for an error
    whose message means little without its type (``TimeoutError: timed out``)."""
    lines = str(error).strip().splitlines()
    name = type(error).__name__
    return f"{name}: {lines[0]}" if lines else name
