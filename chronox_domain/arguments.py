"""Arguments handed over by Python callers (a notebook, a script), read strictly.

The CLI and the API receive text and parse it; a Python caller can hand over anything:
``None``, a float, a list, a ``bytes``, a bool where a number is expected (a bool *is*
an int in Python). Each reader here accepts exactly the types its argument documents and
refuses every other value with one :class:`InvalidInput` that names the argument and
what it got (``symbol: expected a ticker string, got int 42``), never an
``AttributeError`` from deep inside.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Mapping, Sized
from datetime import UTC, date, datetime
from typing import Any

from chronox_domain.errors import ChronoxError, InvalidInput, InvalidRange
from chronox_domain.session import SessionKind
from chronox_domain.symbol import parse_symbol
from chronox_domain.timeframe import Timeframe

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40
#: More symbols than any registry holds: a bound on what one call reads from an iterable.
MAX_SYMBOLS = 100_000


def described(value: Any) -> str:
    """``int 42``, ``str 'x'``: the type and a short one-line repr (a repr that raises,
    or runs over many lines, as a DataFrame's does, is shortened, not trusted)."""
    name = type(value).__name__
    try:
        shown = _SHORT.repr(value)
    except Exception:  # a user's object whose __repr__ fails still gets a message
        return name
    line = " ".join(shown.split())
    return f"{name} {line if len(line) <= 60 else line[:57] + '...'}"


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
    try:
        return parse_symbol(text_argument(value, name, "a ticker string"))
    except InvalidInput as exc:
        raise exc if str(exc).startswith(f"{name}:") else named(name, exc) from None


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
    if isinstance(value, Timeframe):
        return value
    try:
        return Timeframe.parse(text_argument(value, name, "a timeframe such as '1m' or '1d'"))
    except InvalidInput as exc:
        raise exc if str(exc).startswith(f"{name}:") else named(name, exc) from None


def session_argument(value: Any, name: str = "session") -> SessionKind:
    if isinstance(value, SessionKind):
        return value
    try:
        return SessionKind.parse(text_argument(value, name, "'rth' or 'eth'"))
    except InvalidInput as exc:
        raise exc if str(exc).startswith(f"{name}:") else named(name, exc) from None


def bound_argument(value: Any, name: str) -> date | datetime | None:
    """A range bound: None, a session ``date``, an instant (``datetime``, a pandas
    ``Timestamp``; naive means UTC) or a string as the CLI reads it (``YYYY-MM-DD`` or
    ISO-8601). NaN-like times (``pandas.NaT``) are refused."""
    if value is None:
        return None
    if isinstance(value, str):
        return _parsed_bound(value, name)
    if isinstance(value, datetime):
        plain = getattr(value, "to_pydatetime", None)  # a pandas.Timestamp
        try:
            moment = plain() if callable(plain) else value
            if moment != moment:  # pandas.NaT: a datetime that is no time (nor equal to itself)
                raise refused(name, "a date or a datetime", value)
            if moment.tzinfo is None or moment.utcoffset() is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):  # an offset pushed it past year 1 or 9999
            raise InvalidRange(f"{name}: {described(value)} is out of range") from None
    if isinstance(value, date):
        return value
    raise refused(name, "a date, a datetime or a YYYY-MM-DD / ISO-8601 string", value)


def _parsed_bound(text: str, name: str) -> date | datetime | None:
    value = text.strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise InvalidRange(
            f"{name}: {_SHORT.repr(value)} is neither YYYY-MM-DD nor an ISO-8601 datetime"
        ) from None
    except OverflowError:
        raise InvalidRange(f"{name}: {_SHORT.repr(value)} is out of range") from None


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
