"""Corporate actions in the store's own file: a row per fetched symbol, a table per kind.

Dates are stored as ISO text and instants as ISO text in UTC, both of which read back
to the same values; floats are SQLite's 8-byte REALs, exact both ways.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from chronox_adapters.sqlite.database import SqliteDatabase
from chronox_adapters.sqlite.errors import translate_errors
from chronox_domain.actions import (
    AdjustmentType,
    CashDividend,
    CorporateActions,
    ListingPeriod,
    StockSplit,
    TickerChange,
)
from chronox_domain.errors import InvalidInput

_Action = TypeVar("_Action")
#: Symbols per query: well under SQLite's limit of bound parameters.
_CHUNK = 500
_SPLIT = (
    "execution_date, split_from, split_to, adjustment_type, historical_adjustment_factor, "
    "fetched_at"
)
_DIVIDEND = (
    "ex_dividend_date, cash_amount, currency, fetched_at, record_date, pay_date, "
    "declaration_date, distribution_type, frequency, historical_adjustment_factor"
)
_CHANGE = "old_ticker, new_ticker, effective, fetched_at"
_LISTING = "listed, delisted, active, fetched_at"
_TABLES = (
    "actions_fetched",
    "action_splits",
    "action_dividends",
    "action_ticker_changes",
    "action_listings",
)


class SqliteActionStore:
    """``CorporateActionStore`` on a :class:`SqliteDatabase`; every ``sqlite3`` error
    becomes ``StorageUnavailable``."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def put_actions(self, actions: CorporateActions) -> None:
        if actions.fetched_at is None:
            raise InvalidInput(
                f"the actions of {actions.symbol} were never fetched: nothing to store"
            )
        symbol = actions.symbol
        with self._db.transaction() as db:
            for table in _TABLES:
                db.execute(f"DELETE FROM {table} WHERE symbol = ?", (symbol,))
            db.execute(
                "INSERT INTO actions_fetched (symbol, fetched_at) VALUES (?, ?)",
                (symbol, _instant_text(actions.fetched_at)),
            )
            _insert(db, "action_splits", _SPLIT, symbol, [_split_row(s) for s in actions.splits])
            _insert(
                db,
                "action_dividends",
                _DIVIDEND,
                symbol,
                [_dividend_row(d) for d in actions.dividends],
            )
            _insert(
                db,
                "action_ticker_changes",
                _CHANGE,
                symbol,
                [_change_row(c) for c in actions.ticker_changes],
            )
            if actions.listing is not None:
                _insert(
                    db,
                    "action_listings",
                    _LISTING,
                    None,
                    [(symbol, *_listing_row(actions.listing))],
                )

    def actions(self, symbol: str) -> CorporateActions:
        return self.actions_for([symbol])[symbol]

    def actions_for(self, symbols: Sequence[str]) -> dict[str, CorporateActions]:
        found: dict[str, CorporateActions] = {}
        unique = list(dict.fromkeys(symbols))
        with translate_errors(self._db.path, "reading"):
            for start in range(0, len(unique), _CHUNK):
                found.update(self._read(unique[start : start + _CHUNK]))
        return {symbol: found.get(symbol) or CorporateActions.unknown(symbol) for symbol in symbols}

    def actions_fetched_at(self, symbol: str) -> datetime | None:
        with translate_errors(self._db.path, "reading"):
            row = self._db.connection.execute(
                "SELECT fetched_at FROM actions_fetched WHERE symbol = ?", (symbol,)
            ).fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    def _read(self, symbols: list[str]) -> dict[str, CorporateActions]:
        """The bundles of ``symbols`` that were fetched: one query per table."""
        fetched = dict(self._select("actions_fetched", "fetched_at", symbols))
        if not fetched:
            return {}
        splits = _grouped(self._select("action_splits", _SPLIT, symbols), _split)
        dividends = _grouped(self._select("action_dividends", _DIVIDEND, symbols), _dividend)
        changes = _grouped(self._select("action_ticker_changes", _CHANGE, symbols), _change)
        listings = {
            row[0]: _listing(row) for row in self._select("action_listings", _LISTING, symbols)
        }
        return {
            symbol: CorporateActions(
                symbol,
                tuple(splits[symbol]),
                tuple(dividends[symbol]),
                tuple(changes[symbol]),
                listings.get(symbol),
                datetime.fromisoformat(at),
            )
            for symbol, at in fetched.items()
        }

    def _select(self, table: str, columns: str, symbols: list[str]) -> list[tuple[Any, ...]]:
        marks = ", ".join("?" * len(symbols))
        order = ", seq" if table not in ("actions_fetched", "action_listings") else ""
        return self._db.connection.execute(
            f"SELECT symbol, {columns} FROM {table} WHERE symbol IN ({marks}) "
            f"ORDER BY symbol{order}",
            symbols,
        ).fetchall()


def _insert(
    db: sqlite3.Connection,
    table: str,
    columns: str,
    symbol: str | None,
    rows: list[tuple[Any, ...]],
) -> None:
    """Insert ``rows`` of ``symbol`` numbered in order (``symbol`` None: the rows carry
    their symbol and no number)."""
    if not rows:
        return
    if symbol is not None:
        columns = f"symbol, seq, {columns}"
        rows = [(symbol, seq, *row) for seq, row in enumerate(rows)]
    else:
        columns = f"symbol, {columns}"
    marks = ", ".join("?" * len(rows[0]))
    db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _grouped(
    rows: list[tuple[Any, ...]], build: Callable[[tuple[Any, ...]], _Action]
) -> defaultdict[str, list[_Action]]:
    groups: defaultdict[str, list[_Action]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(build(row))
    return groups


def _split_row(s: StockSplit) -> tuple[Any, ...]:
    return (
        s.execution_date.isoformat(),
        s.split_from,
        s.split_to,
        s.adjustment_type.value,
        s.historical_adjustment_factor,
        _instant_text(s.fetched_at),
    )


def _split(row: tuple[Any, ...]) -> StockSplit:
    symbol, day, split_from, split_to, kind, factor, at = row
    return StockSplit(
        symbol,
        date.fromisoformat(day),
        split_from,
        split_to,
        AdjustmentType.parse(kind),
        factor,
        datetime.fromisoformat(at),
    )


def _dividend_row(d: CashDividend) -> tuple[Any, ...]:
    return (
        d.ex_dividend_date.isoformat(),
        d.cash_amount,
        d.currency,
        _instant_text(d.fetched_at),
        _date_text(d.record_date),
        _date_text(d.pay_date),
        _date_text(d.declaration_date),
        d.distribution_type,
        d.frequency,
        d.historical_adjustment_factor,
    )


def _dividend(row: tuple[Any, ...]) -> CashDividend:
    symbol, ex, amount, currency, at, record, pay, declared, kind, frequency, factor = row
    return CashDividend(
        symbol,
        date.fromisoformat(ex),
        amount,
        currency,
        datetime.fromisoformat(at),
        _day(record),
        _day(pay),
        _day(declared),
        kind,
        frequency,
        factor,
    )


def _change_row(c: TickerChange) -> tuple[Any, ...]:
    return (c.old_ticker, c.new_ticker, c.effective.isoformat(), _instant_text(c.fetched_at))


def _change(row: tuple[Any, ...]) -> TickerChange:
    symbol, old, new, effective, at = row
    return TickerChange(symbol, old, new, date.fromisoformat(effective), datetime.fromisoformat(at))


def _listing_row(period: ListingPeriod) -> tuple[Any, ...]:
    return (
        _date_text(period.listed),
        _date_text(period.delisted),
        int(period.active),
        _instant_text(period.fetched_at),
    )


def _listing(row: tuple[Any, ...]) -> ListingPeriod:
    symbol, listed, delisted, active, at = row
    return ListingPeriod(
        symbol, _day(listed), _day(delisted), bool(active), datetime.fromisoformat(at)
    )


def _instant_text(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _date_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
