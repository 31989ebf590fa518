"""A value named from a closed set: an enum whose values are the names a person types."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from chronox_domain.errors import InvalidInput
from chronox_domain.refusals import described

_Choice = TypeVar("_Choice", bound=enum.Enum)


def parse_choice(
    choices: type[_Choice], text: object, what: str, fold: Callable[[str], str] = str.strip
) -> _Choice:
    """The member of ``choices`` whose value is ``text`` once folded (stripped, unless
    ``fold`` says more); a member is itself. Any other value is refused as
    :class:`InvalidInput` in one line: a string as an unknown ``what`` with the names to
    choose from, anything else as the names that were expected and what came instead."""
    if isinstance(text, choices):
        return text
    names = [str(choice.value) for choice in choices]
    if not isinstance(text, str):
        *others, last = (repr(name) for name in names)
        expected = f"{', '.join(others)} or {last}" if others else last
        raise InvalidInput(f"expected {expected}, got {described(text)}")
    try:
        return choices(fold(text))
    except ValueError:
        raise InvalidInput(f"unknown {what} {text!r} (choose from {', '.join(names)})") from None
