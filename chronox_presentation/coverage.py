"""What is missing (gaps, holes, unconfirmed and unlisted windows), the ledger's spans, and
the coverage matrix of the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from chronox_domain.coverage import CoverageSpan
from chronox_domain.matrix import STATES, CoverageMatrix
from chronox_domain.services.gaps import Missing
from chronox_domain.summary import CoverageSummary


class GapOut(BaseModel):
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    bars: int
    #: gap: nobody fetched it; hole: fetched, the source had no bar; unconfirmed: the
    #: source answered it empty once, and is asked again after the recheck delay;
    #: unlisted: before the symbol's listing or from its delisting, never asked for.
    kind: Literal["gap", "hole", "unconfirmed", "unlisted"]

    @classmethod
    def of(cls, missing: Missing) -> GapOut:
        window = missing.window
        return cls(
            symbol=window.symbol,
            timeframe=window.timeframe.value,
            start=window.interval.start,
            end=window.interval.end,
            bars=window.bars,
            kind=missing.kind.value,
        )


class CoverageOut(BaseModel):
    start: datetime
    end: datetime
    status: Literal["final", "provisional", "unconfirmed"]
    source: str
    #: When the source gave an unconfirmed (first empty) answer; null otherwise.
    answered_at: datetime | None = None
    #: The vendor ticker that answered, when not the symbol's own (a renamed company's
    #: span before the change: FB for META); null: the symbol itself.
    ticker: str | None = None
    #: The ETag of the vendor's day file whose contents vouched for the span (flat
    #: files); null: not answered from a file.
    etag: str | None = None

    @classmethod
    def of(cls, span: CoverageSpan) -> CoverageOut:
        return cls(
            start=span.interval.start,
            end=span.interval.end,
            status=span.status.value,
            source=span.source,
            answered_at=span.answered_at,
            ticker=span.ticker,
            etag=span.etag,
        )


class CoverageSummaryOut(BaseModel):
    """How many expected bar slots of a range the ledger accounts for, by status."""

    symbol: str
    timeframe: str
    start: datetime
    #: The asked end, clipped to the last slot that has ended.
    end: datetime
    expected: int
    final: int
    provisional: int
    unconfirmed: int
    missing: int
    #: (final + provisional) / expected, 0-100; null when no slot is expected.
    percent: float | None

    @classmethod
    def of(cls, summary: CoverageSummary) -> CoverageSummaryOut:
        return cls(
            symbol=summary.symbol,
            timeframe=summary.timeframe.value,
            start=summary.start,
            end=summary.end,
            expected=summary.expected,
            final=summary.final,
            provisional=summary.provisional,
            unconfirmed=summary.unconfirmed,
            missing=summary.missing,
            percent=None if summary.percent is None else round(summary.percent, 3),
        )


#: A cell's state, as the matrix names them.
MatrixState = Literal[
    "final", "provisional", "unconfirmed", "hole", "gap", "unlisted", "empty", "pending"
]


class CoverageMatrixRowOut(BaseModel):
    symbol: str
    #: One character per day: the digit index into ``states`` of the cell's state.
    codes: str
    #: Per day: the share of the session's ended expected slots covered final or
    #: provisional, 0-100, floored (0 where none is owed: pending, unlisted).
    percent: list[int]
    #: The same share over all the row's days, floored to a tenth (100.0: nothing is
    #: missing, or nothing is owed).
    complete: float
    #: The row's slots covered final or provisional, of the ``owed`` ones (the ended
    #: expected slots of its listed sessions): exactly the counts of
    #: ``/coverage/{symbol}/summary`` over the same sessions.
    covered: int
    owed: int


class CoverageMatrixOut(BaseModel):
    """Registry symbols x trading sessions, each cell one state (``GET
    /coverage/matrix``); a cell's state is read over the session's expected slots that
    have ended (chronox_domain/matrix.py)."""

    timeframe: str
    session: Literal["rth", "eth"]
    #: The sessions' dates, ascending: the columns.
    days: list[date]
    #: The states a code's digit indexes, always in this order.
    states: list[MatrixState]
    #: Sorted by symbol.
    rows: list[CoverageMatrixRowOut]
    #: The ledgers read name a source of demo data inside the range.
    demo: bool

    @classmethod
    def of(cls, matrix: CoverageMatrix) -> CoverageMatrixOut:
        # Built without validation: 10,000 rows of domain values that are already right.
        rows = [
            CoverageMatrixRowOut.model_construct(
                symbol=row.symbol,
                codes=row.codes,
                percent=list(row.percent),
                complete=row.complete,
                covered=row.covered,
                owed=row.owed,
            )
            for row in matrix.rows
        ]
        return cls.model_construct(
            timeframe=matrix.timeframe.value,
            session=matrix.session.value,
            days=list(matrix.days),
            states=[state.value for state in STATES],
            rows=rows,
            demo=matrix.demo,
        )
