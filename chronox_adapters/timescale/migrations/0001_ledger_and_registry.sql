-- The coverage ledger and the symbol registry: small tables, the same in every mode.
CREATE TABLE coverage (
    symbol    text        NOT NULL,
    timeframe text        NOT NULL,
    start     timestamptz NOT NULL,
    "end"     timestamptz NOT NULL,
    status    text        NOT NULL CHECK (status IN ('final', 'provisional')),
    source    text        NOT NULL,
    PRIMARY KEY (symbol, timeframe, start, status, source),
    CHECK (start < "end")
);

CREATE TABLE symbols (
    symbol     text    PRIMARY KEY,
    timeframes text[]  NOT NULL,
    session    text    NOT NULL CHECK (session IN ('rth', 'eth')),
    active     boolean NOT NULL DEFAULT true
);
