"""Options and parameter types shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from chronox_domain.errors import ChronoxError
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.bounds import parse_bound

F = TypeVar("F", bound=Callable[..., Any])


class DomainChoice(click.ParamType):  # type: ignore[type-arg]
    """A parameter parsed by a domain ``parse`` function (its error is the message)."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self._parse(value)
        except ChronoxError as exc:
            self.fail(str(exc), param, ctx)


BOUND = DomainChoice("DATE|DATETIME", parse_bound)
TIMEFRAME = DomainChoice("TIMEFRAME", Timeframe.parse)
SESSION = DomainChoice("rth|eth", SessionKind.parse)


def store_option(func: F) -> F:
    return click.option(
        "--store",
        metavar="URL",
        help="Store URL (sqlite:///path, memory://). Default: $CHRONOX_STORE or the "
        "embedded file shown by `info`.",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def range_options(func: F) -> F:
    func = click.option(
        "--end",
        type=BOUND,
        help="Last session date (inclusive) or an ISO-8601 instant (exclusive).",
    )(func)
    func = click.option(
        "--start",
        type=BOUND,
        help="First session date (inclusive) or an ISO-8601 instant. "
        "Default range: the last 5 completed sessions.",
    )(func)
    return func


def timeframe_option(func: F) -> F:
    return click.option(
        "--timeframe",
        "-t",
        type=TIMEFRAME,
        default="1m",
        show_default=True,
        help="1m, 5m, 15m, 1h or 1d.",
    )(func)


def session_option(func: F) -> F:
    return click.option(
        "--session",
        type=SESSION,
        default="rth",
        show_default=True,
        help="rth: 09:30-16:00 New York; eth: 04:00-20:00.",
    )(func)
