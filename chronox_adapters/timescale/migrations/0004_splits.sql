-- Splits chronox has acted on: coverage before each was dropped once (see splits.py).
CREATE TABLE splits_applied (
    symbol     text        NOT NULL,
    key        text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, key)
);
