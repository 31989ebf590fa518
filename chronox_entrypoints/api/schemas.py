"""What the API sends and accepts (pydantic models, documented in the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

TimeframeParam = Literal["1m", "5m", "15m", "1h", "1d"]


class ErrorOut(BaseModel):
    error: str = Field(description="machine-readable code, e.g. invalid_symbol")
    detail: str


class BarOut(BaseModel):
    start: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    vwap: float | None = None
    trades: int | None = None


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
    kind: Literal["gap", "hole"]


class CoverageOut(BaseModel):
    start: datetime
    end: datetime
    status: Literal["final", "provisional"]
    source: str


class SymbolIn(BaseModel):
    symbol: str = Field(examples=["SPY"])
    timeframes: list[TimeframeParam] = ["1m"]
    session: Literal["rth", "eth"] = "rth"
    active: bool = True


class SymbolOut(SymbolIn):
    pass


class BackfillIn(BaseModel):
    symbols: list[str] = Field(default_factory=list, description="empty: every active symbol")
    start: str | None = Field(None, description="YYYY-MM-DD or an ISO-8601 instant")
    end: str | None = None


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
