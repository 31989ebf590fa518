"""The SQLite schema, as numbered migrations applied in order.

Each timeframe has its own bars table (named from a fixed mapping, never from input),
keyed on (symbol, start) with ``start`` in epoch seconds UTC.
"""

from __future__ import annotations

from chronox_domain.timeframe import Timeframe

BAR_TABLES: dict[Timeframe, str] = {
    Timeframe.M1: "bars_1m",
    Timeframe.M5: "bars_5m",
    Timeframe.M15: "bars_15m",
    Timeframe.H1: "bars_1h",
    Timeframe.D1: "bars_1d",
}

_BARS_TABLE = """
CREATE TABLE {table} (
    symbol      TEXT    NOT NULL,
    start       INTEGER NOT NULL,
    open        REAL    NOT NULL,
    high        REAL    NOT NULL,
    low         REAL    NOT NULL,
    close       REAL    NOT NULL,
    volume      REAL    NOT NULL,
    vwap        REAL,
    trades      INTEGER,
    provisional INTEGER NOT NULL DEFAULT 0,
    source      TEXT    NOT NULL,
    PRIMARY KEY (symbol, start)
) WITHOUT ROWID;
"""

_LEDGER_AND_REGISTRY = """
CREATE TABLE coverage (
    symbol    TEXT    NOT NULL,
    timeframe TEXT    NOT NULL,
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    status    TEXT    NOT NULL CHECK (status IN ('final', 'provisional')),
    source    TEXT    NOT NULL,
    PRIMARY KEY (symbol, timeframe, start, status, source)
) WITHOUT ROWID;
CREATE TABLE symbols (
    symbol     TEXT PRIMARY KEY,
    timeframes TEXT    NOT NULL,
    session    TEXT    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1
);
"""

_SPLITS = """
CREATE TABLE splits_applied (
    symbol     TEXT NOT NULL,
    key        TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (symbol, key)
);
"""

# Empty answers are believed only when a second one agrees: a span answered empty once
# is 'unconfirmed', with the moment of that answer. SQLite cannot change a CHECK, so the
# ledger is copied into a table that allows the new status.
_UNCONFIRMED_EMPTY = """
CREATE TABLE coverage_v3 (
    symbol      TEXT    NOT NULL,
    timeframe   TEXT    NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('final', 'provisional', 'unconfirmed')),
    source      TEXT    NOT NULL,
    answered_at INTEGER,
    PRIMARY KEY (symbol, timeframe, start, status, source)
) WITHOUT ROWID;
INSERT INTO coverage_v3 (symbol, timeframe, start, "end", status, source)
    SELECT symbol, timeframe, start, "end", status, source FROM coverage;
DROP TABLE coverage;
ALTER TABLE coverage_v3 RENAME TO coverage;
"""

# Corporate actions per symbol, as last fetched (chronox_domain/actions.py): one row of
# actions_fetched per fetched symbol, its items in order (seq) in a table per kind. A
# put replaces every row of the symbol in one transaction. Dates are ISO text, instants
# ISO text in UTC to the microsecond.
_CORPORATE_ACTIONS = """
CREATE TABLE actions_fetched (
    symbol     TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE action_splits (
    symbol          TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    execution_date  TEXT    NOT NULL,
    split_from      REAL    NOT NULL CHECK (split_from > 0),
    split_to        REAL    NOT NULL CHECK (split_to > 0),
    adjustment_type TEXT    NOT NULL
        CHECK (adjustment_type IN ('forward_split', 'reverse_split', 'stock_dividend')),
    historical_adjustment_factor REAL CHECK (historical_adjustment_factor > 0),
    fetched_at      TEXT    NOT NULL,
    PRIMARY KEY (symbol, seq)
) WITHOUT ROWID;
CREATE TABLE action_dividends (
    symbol            TEXT    NOT NULL,
    seq               INTEGER NOT NULL,
    ex_dividend_date  TEXT    NOT NULL,
    cash_amount       REAL    NOT NULL CHECK (cash_amount > 0),
    currency          TEXT    NOT NULL,
    fetched_at        TEXT    NOT NULL,
    record_date       TEXT,
    pay_date          TEXT,
    declaration_date  TEXT,
    distribution_type TEXT,
    frequency         TEXT,
    historical_adjustment_factor REAL CHECK (historical_adjustment_factor > 0),
    PRIMARY KEY (symbol, seq)
) WITHOUT ROWID;
CREATE TABLE action_ticker_changes (
    symbol     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    old_ticker TEXT    NOT NULL,
    new_ticker TEXT    NOT NULL,
    effective  TEXT    NOT NULL,
    fetched_at TEXT    NOT NULL,
    PRIMARY KEY (symbol, seq)
) WITHOUT ROWID;
CREATE TABLE action_listings (
    symbol     TEXT    PRIMARY KEY,
    listed     TEXT,
    delisted   TEXT,
    active     INTEGER NOT NULL,
    fetched_at TEXT    NOT NULL
) WITHOUT ROWID;
"""

# The store holds bars as traded from now on (issue 19). The previous release stored
# the vendor's split-adjusted REST bars under source 'polygon' (and raw ones under
# 'polygon-unadjusted'). Nothing is dropped: the adjusted bars and coverage become
# 'polygon-adjusted' (chronox_domain/legacy.py: rebased on first read or actions sync,
# re-fetched raw as gaps), the raw ones 'polygon'. ``legacy_basis`` records the moment
# up to which they are adjusted (now: the old release kept its covered bars on the
# basis of every split it knew of), only when there are any. The partial index finds
# the legacy rows of a symbol without reading its bars, and is empty in a new store.
_LEGACY_INDEX = (
    "CREATE INDEX {table}_legacy ON {table} (symbol, start) "
    "WHERE source IN ('polygon-adjusted', 'polygon-rebased');"
)
_RAW_BASIS = (
    "".join(
        f"UPDATE {table} SET source = 'polygon-adjusted' WHERE source = 'polygon';"
        f"UPDATE {table} SET source = 'polygon' WHERE source = 'polygon-unadjusted';"
        + _LEGACY_INDEX.format(table=table)
        for table in BAR_TABLES.values()
    )
    + "UPDATE coverage SET source = 'polygon-adjusted' WHERE source = 'polygon';"
    + "UPDATE coverage SET source = 'polygon' WHERE source = 'polygon-unadjusted';"
    + "CREATE TABLE legacy_basis (source TEXT PRIMARY KEY, as_of TEXT NOT NULL) WITHOUT ROWID;"
    + "INSERT INTO legacy_basis (source, as_of) "
    + "SELECT 'polygon-adjusted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') "
    + "WHERE EXISTS (SELECT 1 FROM coverage WHERE source = 'polygon-adjusted')"
    + "".join(
        f" OR EXISTS (SELECT 1 FROM {table} WHERE source = 'polygon-adjusted')"
        for table in BAR_TABLES.values()
    )
    + ";DROP TABLE splits_applied;"
)

#: The schema version that stores bars as traded (see ``_RAW_BASIS``).
RAW_BASIS_VERSION = 5

# Renames (chronox_domain/renames.py): the vendor ticker that answered a span when it is
# not the symbol's own (NULL: the symbol, as every span before), and whether a registry
# symbol follows its company's renames (the default) or keeps to its literal ticker.
_RENAMES = """
ALTER TABLE coverage ADD COLUMN ticker TEXT;
ALTER TABLE symbols ADD COLUMN follow_renames INTEGER NOT NULL DEFAULT 1;
"""

# Flat files (issue 20): the ETag of the vendor's day file whose contents vouched for a
# span (NULL: not answered from a file, as every span before).
_COVERAGE_ETAG = """
ALTER TABLE coverage ADD COLUMN etag TEXT;
"""

# Universe scale (issues 20 and 22): a gap scan or a coverage matrix reads the spans of
# many symbols that overlap a window. The primary key bounds that read only by start (a
# month at the end of years of day files read the years); this index reads from the
# window on (chronox_adapters/sqlite/bulk_reads.py). It holds every column of the ledger
# (the key's are in every index of a WITHOUT ROWID table), so the read never goes back
# to the table: a lookup per span made it slower than the primary key's scan.
_COVERAGE_END = """
CREATE INDEX coverage_end ON coverage (symbol, timeframe, "end", answered_at, ticker, etag);
"""

#: MIGRATIONS[n] brings a database from version n to n + 1.
MIGRATIONS: list[str] = [
    "".join(_BARS_TABLE.format(table=table) for table in BAR_TABLES.values())
    + _LEDGER_AND_REGISTRY,
    _SPLITS,
    _UNCONFIRMED_EMPTY,
    _CORPORATE_ACTIONS,
    _RAW_BASIS,
    _RENAMES,
    _COVERAGE_ETAG,
    _COVERAGE_END,
]

LATEST_VERSION = len(MIGRATIONS)
