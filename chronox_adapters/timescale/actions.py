"""Corporate actions in PostgreSQL: a row per fetched symbol, a table per kind.

Plain tables in both modes (migration 0006). A put deletes and inserts a symbol's rows
in one transaction under the symbol's advisory lock, so two puts of one symbol take
turns instead of colliding on its keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from psycopg import Connection
from psycopg_pool import ConnectionPool

from chronox_adapters.timescale.errors import translate_errors
from chronox_adapters.timescale.pool import describe
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
#: Every table of the actions, the bundle's own row first.
ACTION_TABLES = (
    "actions_fetched",
    "action_splits",
    "action_dividends",
    "action_ticker_changes",
    "action_listings",
)


class PostgresActionStore:
    """``CorporateActionStore`` on a psycopg pool; psycopg errors become
    ``StorageUnavailable``."""

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self._pool = pool
        self._where = describe(url)

    def put_actions(self, actions: CorporateActions) -> None:
        if actions.fetched_at is None:
            raise InvalidInput(
                f"the actions of {actions.symbol} were never fetched: nothing to store"
            )
        symbol = actions.symbol
        with self._connection("writing") as conn, conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"actions:{symbol}",)
            )
            for table in ACTION_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE symbol = %s", (symbol,))
            conn.execute(
                "INSERT INTO actions_fetched (symbol, fetched_at) VALUES (%s, %s)",
                (symbol, actions.fetched_at),
            )
            _insert(conn, "action_splits", _SPLIT, symbol, [_split_row(s) for s in actions.splits])
            _insert(
                conn,
                "action_dividends",
                _DIVIDEND,
                symbol,
                [_dividend_row(d) for d in actions.dividends],
            )
            _insert(
                conn,
                "action_ticker_changes",
                _CHANGE,
                symbol,
                [
                    (c.old_ticker, c.new_ticker, c.effective, c.fetched_at)
                    for c in actions.ticker_changes
                ],
            )
            if (listing := actions.listing) is not None:
                conn.execute(
                    f"INSERT INTO action_listings (symbol, {_LISTING}) VALUES (%s, %s, %s, %s, %s)",
                    (symbol, listing.listed, listing.delisted, listing.active, listing.fetched_at),
                )

    def actions(self, symbol: str) -> CorporateActions:
        return self.actions_for([symbol])[symbol]

    def actions_for(self, symbols: Sequence[str]) -> dict[str, CorporateActions]:
        asked = list(dict.fromkeys(symbols))
        with self._connection("reading") as conn, conn.transaction():
            # One snapshot for the five reads: a put between them cannot mix bundles.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = _read(conn, asked) if asked else {}
        return {symbol: found.get(symbol) or CorporateActions.unknown(symbol) for symbol in symbols}

    def actions_fetched_at(self, symbol: str) -> datetime | None:
        with self._connection("reading") as conn:
            row = conn.execute(
                "SELECT fetched_at FROM actions_fetched WHERE symbol = %s", (symbol,)
            ).fetchone()
        return None if row is None else _utc(row[0])

    @contextmanager
    def _connection(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._where, doing), self._pool.connection() as conn:
            yield conn


def _read(conn: Connection, symbols: list[str]) -> dict[str, CorporateActions]:
    """The bundles of ``symbols`` that were fetched: one query per table."""

    def select(table: str, columns: str, ordered: bool = True) -> list[tuple[Any, ...]]:
        order = ", seq" if ordered else ""
        return conn.execute(
            f"SELECT symbol, {columns} FROM {table} WHERE symbol = ANY(%s) ORDER BY symbol{order}",
            (symbols,),
        ).fetchall()

    fetched = {symbol: _utc(at) for symbol, at in select("actions_fetched", "fetched_at", False)}
    if not fetched:
        return {}
    splits = _grouped(select("action_splits", _SPLIT), _split)
    dividends = _grouped(select("action_dividends", _DIVIDEND), _dividend)
    changes = _grouped(select("action_ticker_changes", _CHANGE), _change)
    listings = {row[0]: _listing(row) for row in select("action_listings", _LISTING, False)}
    return {
        symbol: CorporateActions(
            symbol,
            tuple(splits[symbol]),
            tuple(dividends[symbol]),
            tuple(changes[symbol]),
            listings.get(symbol),
            at,
        )
        for symbol, at in fetched.items()
    }


def _insert(
    conn: Connection, table: str, columns: str, symbol: str, rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` of ``symbol``, numbered in the bundle's order."""
    if not rows:
        return
    marks = ", ".join(["%s"] * (len(rows[0]) + 2))
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (symbol, seq, {columns}) VALUES ({marks})",
            [(symbol, seq, *row) for seq, row in enumerate(rows)],
        )


def _grouped(
    rows: list[tuple[Any, ...]], build: Callable[[tuple[Any, ...]], _Action]
) -> defaultdict[str, list[_Action]]:
    groups: defaultdict[str, list[_Action]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(build(row))
    return groups


def _split_row(s: StockSplit) -> tuple[Any, ...]:
    kind = s.adjustment_type.value
    return (
        s.execution_date,
        s.split_from,
        s.split_to,
        kind,
        s.historical_adjustment_factor,
        s.fetched_at,
    )


def _split(row: tuple[Any, ...]) -> StockSplit:
    symbol, day, split_from, split_to, kind, factor, at = row
    return StockSplit(
        symbol, day, split_from, split_to, AdjustmentType.parse(kind), factor, _utc(at)
    )


def _dividend_row(d: CashDividend) -> tuple[Any, ...]:
    return (
        d.ex_dividend_date,
        d.cash_amount,
        d.currency,
        d.fetched_at,
        d.record_date,
        d.pay_date,
        d.declaration_date,
        d.distribution_type,
        d.frequency,
        d.historical_adjustment_factor,
    )


def _dividend(row: tuple[Any, ...]) -> CashDividend:
    symbol, ex, amount, currency, at, record, pay, declared, kind, frequency, factor = row
    return CashDividend(
        symbol, ex, amount, currency, _utc(at), record, pay, declared, kind, frequency, factor
    )


def _change(row: tuple[Any, ...]) -> TickerChange:
    symbol, old, new, effective, at = row
    return TickerChange(symbol, old, new, effective, _utc(at))


def _listing(row: tuple[Any, ...]) -> ListingPeriod:
    symbol, listed, delisted, active, at = row
    return ListingPeriod(symbol, listed, delisted, bool(active), _utc(at))


def _utc(moment: datetime) -> datetime:
    """psycopg answers in the session's time zone: the domain speaks UTC."""
    return moment.astimezone(UTC)
