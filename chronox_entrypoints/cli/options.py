"""Options and parameter types shared by the commands."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from chronox_domain.actions import DEFAULT_BASIS, PriceBasis
from chronox_domain.bounds import parse_bound
from chronox_domain.errors import ChronoxError
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe

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


class Bound(DomainChoice):
    """A range bound; an empty one is refused (leave the option out for the default)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty (leave it out for the default range)", param, ctx)
        return super().convert(value, param, ctx)


class Seconds(click.ParamType):  # type: ignore[type-arg]
    """A finite, non-negative number of seconds (``nan`` and ``inf`` are not durations)."""

    name = "SECONDS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0:
            self.fail(f"{value!r} is not a finite, non-negative number of seconds", param, ctx)
        return seconds


BOUND = Bound("DATE|DATETIME", parse_bound)
SECONDS = Seconds()
TIMEFRAME = DomainChoice("TIMEFRAME", Timeframe.parse)
SESSION = DomainChoice("rth|eth", SessionKind.parse)
BASES = [basis.value for basis in PriceBasis]


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("is empty (leave it out for the default store)", ctx, param)
    return value


def store_option(func: F) -> F:
    return click.option(
        "--store",
        metavar="URL",
        callback=_not_empty,
        help="Store URL (sqlite:///path[?mode=ro], postgresql://..., memory://). Default: "
        "$CHRONOX_STORE or the embedded file shown by `info`.",
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


def _basis(ctx: click.Context, param: click.Parameter, value: str) -> PriceBasis:
    return PriceBasis.parse(value)


def adjust_option(func: F) -> F:
    """``--adjust none|splits|all``, given to the command as a :class:`PriceBasis`."""
    return click.option(
        "--adjust",
        "basis",
        type=click.Choice(BASES),
        default=DEFAULT_BASIS.value,
        show_default=True,
        callback=_basis,
        help="Price basis: none (as traded), splits (earlier prices on today's share basis) "
        "or all (splits and cash dividends).",
    )(func)
