"""Corporate actions, and what a sync of them did.

``ActionsOut`` is a symbol's bundle as every interface shows it (``chronox-cli actions
SYMBOL --json``, ``GET /actions/{symbol}``, the client); :func:`action_rows` lays it out
one action a row, by date, for the CLI's table and the notebook's DataFrame, with the
columns :data:`ACTION_COLUMNS`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from chronox_domain.actions import (
    CashDividend,
    CorporateActions,
    ListingPeriod,
    StockSplit,
    TickerChange,
)
from chronox_domain.services.actions import ActionsSyncReport

AdjustmentTypeName = Literal["forward_split", "reverse_split", "stock_dividend"]
ActionKind = Literal["listed", "split", "dividend", "ticker_change", "delisted"]


class StockSplitOut(BaseModel):
    execution_date: date = Field(description="the first session on the new share basis")
    split_from: float
    split_to: float
    adjustment_type: AdjustmentTypeName
    historical_adjustment_factor: float | None = Field(
        description="the vendor's cumulative factor for prices before execution_date"
    )

    @classmethod
    def of(cls, split: StockSplit) -> StockSplitOut:
        return cls(
            execution_date=split.execution_date,
            split_from=split.split_from,
            split_to=split.split_to,
            adjustment_type=split.adjustment_type.value,
            historical_adjustment_factor=split.historical_adjustment_factor,
        )


class CashDividendOut(BaseModel):
    ex_dividend_date: date
    cash_amount: float = Field(description="per share as paid, not split-adjusted")
    currency: str
    record_date: date | None = None
    pay_date: date | None = None
    declaration_date: date | None = None
    distribution_type: str | None = None
    frequency: str | None = Field(None, description="payments a year; 0 for one-off")
    historical_adjustment_factor: float | None = None

    @classmethod
    def of(cls, dividend: CashDividend) -> CashDividendOut:
        return cls(
            ex_dividend_date=dividend.ex_dividend_date,
            cash_amount=dividend.cash_amount,
            currency=dividend.currency,
            record_date=dividend.record_date,
            pay_date=dividend.pay_date,
            declaration_date=dividend.declaration_date,
            distribution_type=dividend.distribution_type,
            frequency=dividend.frequency,
            historical_adjustment_factor=dividend.historical_adjustment_factor,
        )


class TickerChangeOut(BaseModel):
    old_ticker: str
    new_ticker: str
    effective: date = Field(description="the first session as new_ticker")

    @classmethod
    def of(cls, change: TickerChange) -> TickerChangeOut:
        return cls(
            old_ticker=change.old_ticker, new_ticker=change.new_ticker, effective=change.effective
        )


class ListingOut(BaseModel):
    listed: date | None = Field(description="the first session; null when unknown")
    delisted: date | None = Field(
        description="the first date after the last session; null while listed"
    )
    active: bool

    @classmethod
    def of(cls, listing: ListingPeriod) -> ListingOut:
        return cls(listed=listing.listed, delisted=listing.delisted, active=listing.active)


class ActionsOut(BaseModel):
    """Every corporate action stored of ``symbol``, as fetched at ``fetched_at``."""

    symbol: str
    splits: list[StockSplitOut]
    dividends: list[CashDividendOut]
    ticker_changes: list[TickerChangeOut]
    listing: ListingOut | None
    fetched_at: datetime

    @classmethod
    def of(cls, actions: CorporateActions) -> ActionsOut:
        if actions.fetched_at is None:  # the service refuses these first (ActionsNotSynced)
            raise ValueError(f"the actions of {actions.symbol} were never fetched")
        return cls(
            symbol=actions.symbol,
            splits=[StockSplitOut.of(split) for split in actions.splits],
            dividends=[CashDividendOut.of(dividend) for dividend in actions.dividends],
            ticker_changes=[TickerChangeOut.of(change) for change in actions.ticker_changes],
            listing=None if actions.listing is None else ListingOut.of(actions.listing),
            fetched_at=actions.fetched_at,
        )


#: The columns of :func:`action_rows`: the kind and date of each action, then every field
#: of any kind (None where a kind has no such field).
ACTION_COLUMNS: tuple[str, ...] = (
    "kind",
    "date",
    "split_from",
    "split_to",
    "adjustment_type",
    "historical_adjustment_factor",
    "cash_amount",
    "currency",
    "record_date",
    "pay_date",
    "declaration_date",
    "distribution_type",
    "frequency",
    "old_ticker",
    "new_ticker",
    "active",
)
_KIND_ORDER = {kind: at for at, kind in enumerate(get_args(ActionKind))}


def action_rows(actions: ActionsOut) -> list[dict[str, Any]]:
    """One row per action, by date (a listing first, a delisting last on its date): the
    keys are :data:`ACTION_COLUMNS`. ``date`` is the execution date of a split, the
    ex-date of a dividend, the effective date of a ticker change, the first session of a
    listing and the first date after the last session of a delisting."""
    rows: list[dict[str, Any]] = []
    for split in actions.splits:
        fields = split.model_dump(exclude={"execution_date"})
        rows.append(_row("split", split.execution_date, fields))
    for dividend in actions.dividends:
        fields = dividend.model_dump(exclude={"ex_dividend_date"})
        rows.append(_row("dividend", dividend.ex_dividend_date, fields))
    for change in actions.ticker_changes:
        fields = {"old_ticker": change.old_ticker, "new_ticker": change.new_ticker}
        rows.append(_row("ticker_change", change.effective, fields))
    listing = actions.listing
    if listing is not None and listing.listed is not None:
        rows.append(_row("listed", listing.listed, {"active": listing.active}))
    if listing is not None and listing.delisted is not None:
        rows.append(_row("delisted", listing.delisted, {"active": listing.active}))
    rows.sort(key=lambda row: (row["date"], _KIND_ORDER[row["kind"]]))
    return rows


def _row(kind: ActionKind, day: date, fields: dict[str, Any]) -> dict[str, Any]:
    return {**dict.fromkeys(ACTION_COLUMNS), **fields, "kind": kind, "date": day}


def last_traded(delisted: date) -> date:
    """The last date a delisted symbol traded (the vendor's ``delisted_utc``)."""
    return delisted - timedelta(days=1)


class SyncFailureOut(BaseModel):
    symbol: str
    reason: str


class ActionsSyncOut(BaseModel):
    """What ``actions sync`` (``POST /actions/sync``) did, symbol by symbol."""

    source: str
    has_actions: bool = Field(
        description="false: the source has no corporate actions (synthetic, files), "
        "nothing was asked"
    )
    fetched: list[str] = Field(description="fetched from the vendor and stored now")
    fresh: list[str] = Field(description="fetched today already: not asked again (force)")
    unknown: list[str] = Field(description="tickers the vendor does not know")
    failed: list[SyncFailureOut] = Field(description="the vendor failed these")
    skipped: list[str] = Field(
        description="not asked: the vendor failed the symbols before them several in a row"
    )

    @classmethod
    def of(cls, report: ActionsSyncReport, source: str) -> ActionsSyncOut:
        return cls(
            source=source,
            has_actions=report.has_source,
            fetched=list(report.fetched),
            fresh=list(report.fresh),
            unknown=list(report.unknown),
            failed=[SyncFailureOut(symbol=f.symbol, reason=f.reason) for f in report.failed],
            skipped=list(report.skipped),
        )
