-- Corporate actions per symbol, as last fetched (chronox_domain/actions.py): one row of
-- actions_fetched per fetched symbol, its items in order (seq) in a table per kind. A
-- put replaces every row of the symbol in one transaction. Plain tables in both modes:
-- a symbol has a few dozen actions, not a time series.
CREATE TABLE actions_fetched (
    symbol     text        PRIMARY KEY,
    fetched_at timestamptz NOT NULL
);
CREATE TABLE action_splits (
    symbol          text             NOT NULL,
    seq             integer          NOT NULL,
    execution_date  date             NOT NULL,
    split_from      double precision NOT NULL CHECK (split_from > 0),
    split_to        double precision NOT NULL CHECK (split_to > 0),
    adjustment_type text             NOT NULL
        CHECK (adjustment_type IN ('forward_split', 'reverse_split', 'stock_dividend')),
    historical_adjustment_factor double precision CHECK (historical_adjustment_factor > 0),
    fetched_at      timestamptz      NOT NULL,
    PRIMARY KEY (symbol, seq)
);
CREATE TABLE action_dividends (
    symbol            text             NOT NULL,
    seq               integer          NOT NULL,
    ex_dividend_date  date             NOT NULL,
    cash_amount       double precision NOT NULL CHECK (cash_amount > 0),
    currency          text             NOT NULL,
    fetched_at        timestamptz      NOT NULL,
    record_date       date,
    pay_date          date,
    declaration_date  date,
    distribution_type text,
    frequency         text,
    historical_adjustment_factor double precision CHECK (historical_adjustment_factor > 0),
    PRIMARY KEY (symbol, seq)
);
CREATE TABLE action_ticker_changes (
    symbol     text        NOT NULL,
    seq        integer     NOT NULL,
    old_ticker text        NOT NULL,
    new_ticker text        NOT NULL,
    effective  date        NOT NULL,
    fetched_at timestamptz NOT NULL,
    PRIMARY KEY (symbol, seq)
);
CREATE TABLE action_listings (
    symbol     text        PRIMARY KEY,
    listed     date,
    delisted   date,
    active     boolean     NOT NULL,
    fetched_at timestamptz NOT NULL
);
