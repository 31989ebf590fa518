"""What only the API has: its query and path parameters, request bodies and error
answers. What it sends back are the response models of
:mod:`chronox_presentation`, shared with the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field, StrictBool

from chronox_presentation import SYMBOL_PATTERN, Symbol, SymbolFields, TimeframeName

TimeframeParam = TimeframeName

SymbolPath = Annotated[str, Path(pattern=SYMBOL_PATTERN, examples=["SPY"])]

#: The range bounds ``parse_bound`` reads, as the API takes them: a session date, or an
#: instant (UTC unless it carries an offset).
BOUND_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?$"
)
StartParam = Annotated[
    str | None,
    Query(pattern=BOUND_PATTERN, description="YYYY-MM-DD or ISO-8601", examples=["2024-11-25"]),
]
EndParam = Annotated[
    str | None,
    Query(
        pattern=BOUND_PATTERN,
        description="YYYY-MM-DD (inclusive) or ISO-8601",
        examples=["2024-11-26"],
    ),
]


class ErrorOut(BaseModel):
    error: str = Field(description="machine-readable code, e.g. invalid_range")
    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


#: The error answers every route may give, declared once per router.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Input the domain refuses (an impossible range, an unknown day)"),
    401: _error("A token is required and was missing or wrong"),
    422: _error("A parameter or body that does not fit its schema"),
    503: _error("The store, Redis or the vendor is unavailable"),
}


class SymbolIn(SymbolFields):
    pass


class SymbolsIn(BaseModel):
    """Entries to register at once (``registry import``'s body): all are written in one
    transaction, or none when one is refused. Leave out a field to take its default
    (``{"symbol": "AAPL"}``): bodies stay small (CHRONOX_API_MAX_BODY_BYTES)."""

    symbols: list[SymbolIn] = Field(min_length=1, max_length=100_000)


class BackfillIn(BaseModel):
    symbols: list[Symbol] = Field(default_factory=list, description="empty: every active symbol")
    start: str | None = Field(
        None, pattern=BOUND_PATTERN, description="YYYY-MM-DD or an ISO-8601 instant"
    )
    end: str | None = Field(None, pattern=BOUND_PATTERN)


class ActionsSyncIn(BaseModel):
    symbols: list[Symbol] = Field(default_factory=list, description="empty: every active symbol")
    force: StrictBool = Field(False, description="fetch again the symbols fetched today already")
