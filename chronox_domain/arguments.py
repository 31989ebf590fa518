"""Arguments handed over by Python callers (a notebook, a script), read strictly.

The CLI and the API receive text and parse it; a Python caller can hand over anything:
``None``, a float, a list, a ``bytes``, a bool where a number is expected (a bool *is*
an int in Python). Each reader here accepts exactly the types its argument documents and
refuses every other value with one :class:`InvalidInput` that names the argument and
what it got (``symbol: expected a ticker string, got int 42``), never an
``AttributeError`` from deep inside.

The domain's parsers (``parse_symbol``, ``Timeframe.parse``, ``SessionKind.parse``,
``parse_bound``) refuse any value themselves: the readers here only name the argument in
their refusal, and read what no parser covers (flags, choices, lists of tickers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from datetime import date, datetime
from typing import Any, TypeVar

from chronox_domain.actions import PriceBasis
from chronox_domain.bounds import parse_bound
from chronox_domain.errors import ChronoxError, InvalidInput
from chronox_domain.refusals import described
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

__all__ = [
    "MAX_SYMBOLS",
    "bound_argument",
    "choice_argument",
    "described",
    "flag_argument",
    "named",
    "refused",
    "session_argument",
    "symbol_argument",
    "symbols_argument",
    "text_argument",
    "timeframe_argument",
]

#: More symbols than any registry holds: a bound on what one call reads from an iterable.
MAX_SYMBOLS = 100_000
_Parsed = TypeVar("_Parsed")


def refused(name: str, expected: str, value: Any) -> InvalidInput:
    """The error for ``name`` given ``value`` where ``expected`` was wanted."""
    return InvalidInput(f"{name}: expected {expected}, got {described(value)}")


def named(name: str, error: ChronoxError) -> ChronoxError:
    """``error`` (of the same class) with its message prefixed by the argument's name."""
    return type(error)(f"{name}: {error}")


def text_argument(value: Any, name: str, expected: str) -> str:
    """A non-empty ``str`` (an enum of ``str`` values counts); anything else is refused."""
    if isinstance(value, str) and value.strip():
        return value
    raise refused(name, expected, value)


def flag_argument(value: Any, name: str) -> bool:
    """``True`` or ``False`` only: ``0``, ``"no"`` and ``None`` are refused, not guessed."""
    if isinstance(value, bool):
        return value
    raise refused(name, "True or False", value)


def choice_argument(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise InvalidInput(f"{name}: choose from {', '.join(choices)}; got {described(value)}")


def symbol_argument(value: Any, name: str = "symbol") -> str:
    """A ticker, canonical (``spy`` is ``SPY``)."""
    return _parsed(parse_symbol, value, name)


def symbols_argument(value: Any, name: str = "symbols") -> tuple[str, ...]:
    """One ticker, or a non-empty list, tuple, set or array of them (not a mapping)."""
    if isinstance(value, str):
        return (symbol_argument(value, name),)
    items = _listed(value)
    if items is None:
        raise refused(name, "a ticker string or a list of them", value)
    if not items:
        raise InvalidInput(f"{name}: expected at least one ticker, got an empty {_kind(value)}")
    return tuple(symbol_argument(item, f"{name}[{at}]") for at, item in enumerate(items))


def timeframe_argument(value: Any, name: str = "timeframe") -> Timeframe:
    return _parsed(Timeframe.parse, value, name)


def session_argument(value: Any, name: str = "session") -> SessionKind:
    return _parsed(SessionKind.parse, value, name)


def basis_argument(value: Any, name: str = "adjust") -> PriceBasis:
    """A price basis: ``none``, ``splits`` or ``all`` (or a PriceBasis)."""
    return _parsed(PriceBasis.parse, value, name)


def bound_argument(value: Any, name: str) -> date | datetime | None:
    """A range bound: None, a session ``date``, an instant (``datetime``, a pandas
    ``Timestamp``; naive means UTC) or a string as the CLI reads it (``YYYY-MM-DD`` or
    ISO-8601). NaN-like times (``pandas.NaT``) are refused."""
    return _parsed(parse_bound, value, name)


def _parsed(parse: Callable[[Any], _Parsed], value: Any, name: str) -> _Parsed:
    """``parse(value)``, its refusal (of any value: the domain's parsers check the type
    themselves) named after the argument."""
    try:
        return parse(value)
    except InvalidInput as exc:
        raise named(name, exc) from None


def _listed(value: Any) -> list[Any] | None:
    """The items of a list-like ``value`` (at most MAX_SYMBOLS + 1 of them), or None
    for a value that is no collection of items (bytes, a mapping, a number...)."""
    if isinstance(value, bytes | bytearray | memoryview | Mapping) or not isinstance(
        value, Iterable
    ):
        return None
    if not isinstance(value, Sized):  # a generator: it could run on for ever
        return None
    try:
        items = list(value) if len(value) <= MAX_SYMBOLS else None
    except Exception:  # an array whose len() or iteration refuses (a 0-d numpy array)
        return None
    return items


def _kind(value: Any) -> str:
    return type(value).__name__
