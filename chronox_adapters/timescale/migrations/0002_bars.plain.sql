-- Plain PostgreSQL: bars tables partitioned by range of start (one partition a
-- year, created on demand by the writer; see partitions.py).

CREATE TABLE bars_1m (
    symbol      text             NOT NULL,
    start       timestamptz      NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    vwap        double precision,
    trades      bigint,
    provisional boolean          NOT NULL DEFAULT false,
    source      text             NOT NULL,
    PRIMARY KEY (symbol, start)
) PARTITION BY RANGE (start);

CREATE TABLE bars_5m (
    symbol      text             NOT NULL,
    start       timestamptz      NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    vwap        double precision,
    trades      bigint,
    provisional boolean          NOT NULL DEFAULT false,
    source      text             NOT NULL,
    PRIMARY KEY (symbol, start)
) PARTITION BY RANGE (start);

CREATE TABLE bars_15m (
    symbol      text             NOT NULL,
    start       timestamptz      NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    vwap        double precision,
    trades      bigint,
    provisional boolean          NOT NULL DEFAULT false,
    source      text             NOT NULL,
    PRIMARY KEY (symbol, start)
) PARTITION BY RANGE (start);

CREATE TABLE bars_1h (
    symbol      text             NOT NULL,
    start       timestamptz      NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    vwap        double precision,
    trades      bigint,
    provisional boolean          NOT NULL DEFAULT false,
    source      text             NOT NULL,
    PRIMARY KEY (symbol, start)
) PARTITION BY RANGE (start);

CREATE TABLE bars_1d (
    symbol      text             NOT NULL,
    start       timestamptz      NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    vwap        double precision,
    trades      bigint,
    provisional boolean          NOT NULL DEFAULT false,
    source      text             NOT NULL,
    PRIMARY KEY (symbol, start)
) PARTITION BY RANGE (start);
