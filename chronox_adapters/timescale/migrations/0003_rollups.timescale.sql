-- TimescaleDB: continuous aggregates rolling 1m bars up to 5m, 15m and 1h, refreshed by
-- policy and real-time (materialized_only = false) so the newest minutes count too.
-- vwap is kept as its two sums so that buckets combine exactly. Daily bars are rolled
-- up per session at read time (sessions come from the exchange calendar).

CREATE MATERIALIZED VIEW bars_5m_rollup
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT symbol,
       time_bucket(INTERVAL '5 minutes', start) AS start,
       first(open, start) AS open,
       max(high) AS high,
       min(low) AS low,
       last(close, start) AS close,
       sum(volume) AS volume,
       sum(vwap * volume) AS vwap_volume,
       sum(CASE WHEN vwap IS NOT NULL THEN volume END) AS vwap_weight,
       sum(trades) AS trades
FROM bars_1m
GROUP BY symbol, time_bucket(INTERVAL '5 minutes', start)
WITH NO DATA;

CREATE MATERIALIZED VIEW bars_15m_rollup
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT symbol,
       time_bucket(INTERVAL '15 minutes', start) AS start,
       first(open, start) AS open,
       max(high) AS high,
       min(low) AS low,
       last(close, start) AS close,
       sum(volume) AS volume,
       sum(vwap * volume) AS vwap_volume,
       sum(CASE WHEN vwap IS NOT NULL THEN volume END) AS vwap_weight,
       sum(trades) AS trades
FROM bars_1m
GROUP BY symbol, time_bucket(INTERVAL '15 minutes', start)
WITH NO DATA;

CREATE MATERIALIZED VIEW bars_1h_rollup
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT symbol,
       time_bucket(INTERVAL '1 hour', start) AS start,
       first(open, start) AS open,
       max(high) AS high,
       min(low) AS low,
       last(close, start) AS close,
       sum(volume) AS volume,
       sum(vwap * volume) AS vwap_volume,
       sum(CASE WHEN vwap IS NOT NULL THEN volume END) AS vwap_weight,
       sum(trades) AS trades
FROM bars_1m
GROUP BY symbol, time_bucket(INTERVAL '1 hour', start)
WITH NO DATA;

SELECT add_continuous_aggregate_policy('bars_5m_rollup',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '10 minutes',
    schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('bars_15m_rollup',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '30 minutes',
    schedule_interval => INTERVAL '15 minutes');
SELECT add_continuous_aggregate_policy('bars_1h_rollup',
    start_offset => INTERVAL '7 days', end_offset => INTERVAL '2 hours',
    schedule_interval => INTERVAL '1 hour');
