"""What the API sends and accepts (pydantic models, documented in the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field, StrictBool

from chronox_domain.bar import Bar

TimeframeParam = Literal["1m", "5m", "15m", "1h", "1d"]

#: ``parse_symbol``'s grammar in either case: a malformed ticker is refused (422) and
#: documented like any other malformed field.
SYMBOL_PATTERN = r"^[A-Za-z][A-Za-z0-9.-]{0,14}$"
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN, examples=["SPY"])]
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


class BarOut(BaseModel):
    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = None
    trades: int | None = None

    @classmethod
    def of(cls, bar: Bar) -> BarOut:
        return cls(
            start=bar.start,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            vwap=bar.vwap,
            trades=bar.trades,
        )


class BarsPage(BaseModel):
    symbol: str
    timeframe: str
    bars: list[BarOut]
    derived_from: Literal["1m"] | None = None
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )


class GapOut(BaseModel):
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    bars: int
    #: gap: nobody fetched it; hole: fetched, the source had no bar; unconfirmed: the
    #: source answered it empty once, and is asked again after the recheck delay.
    kind: Literal["gap", "hole", "unconfirmed"]


class CoverageOut(BaseModel):
    start: datetime
    end: datetime
    status: Literal["final", "provisional", "unconfirmed"]
    source: str
    #: When the source gave an unconfirmed (first empty) answer; null otherwise.
    answered_at: datetime | None = None


class SymbolIn(BaseModel):
    symbol: Symbol
    timeframes: list[TimeframeParam] = ["1m"]
    session: Literal["rth", "eth"] = "rth"
    active: StrictBool = True


class SymbolOut(SymbolIn):
    pass


class BackfillIn(BaseModel):
    symbols: list[Symbol] = Field(default_factory=list, description="empty: every active symbol")
    start: str | None = Field(
        None, pattern=BOUND_PATTERN, description="YYYY-MM-DD or an ISO-8601 instant"
    )
    end: str | None = Field(None, pattern=BOUND_PATTERN)


class JobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    symbols: list[str]
    done: int
    total: int
    counts: dict[str, int]
    error: str | None
    worker: str | None
    attempts: int


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    store: str
    events: str
    vendor: str


class InfoOut(BaseModel):
    version: str
    store: str
    source: str
    demo: bool
    calendar: str
    counts: dict[str, int]


class SymbolsPage(BaseModel):
    symbols: list[SymbolOut]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )


class JobsPage(BaseModel):
    """Newest first."""

    jobs: list[JobOut]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
