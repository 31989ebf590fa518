-- TimescaleDB: bars tables are hypertables on start, compressed by symbol once a
-- chunk is old enough that late corrections have stopped arriving.

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
);
SELECT create_hypertable('bars_1m', 'start', chunk_time_interval => INTERVAL '7 days');
ALTER TABLE bars_1m SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol',
    timescaledb.compress_orderby = 'start'
);
SELECT add_compression_policy('bars_1m', INTERVAL '30 days');

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
);
SELECT create_hypertable('bars_5m', 'start', chunk_time_interval => INTERVAL '30 days');
ALTER TABLE bars_5m SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol',
    timescaledb.compress_orderby = 'start'
);
SELECT add_compression_policy('bars_5m', INTERVAL '30 days');

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
);
SELECT create_hypertable('bars_15m', 'start', chunk_time_interval => INTERVAL '90 days');
ALTER TABLE bars_15m SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol',
    timescaledb.compress_orderby = 'start'
);
SELECT add_compression_policy('bars_15m', INTERVAL '30 days');

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
);
SELECT create_hypertable('bars_1h', 'start', chunk_time_interval => INTERVAL '180 days');
ALTER TABLE bars_1h SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol',
    timescaledb.compress_orderby = 'start'
);
SELECT add_compression_policy('bars_1h', INTERVAL '30 days');

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
);
SELECT create_hypertable('bars_1d', 'start', chunk_time_interval => INTERVAL '3650 days');
ALTER TABLE bars_1d SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'symbol',
    timescaledb.compress_orderby = 'start'
);
SELECT add_compression_policy('bars_1d', INTERVAL '3650 days');
