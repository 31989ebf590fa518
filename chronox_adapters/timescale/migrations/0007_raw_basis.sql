-- The store holds bars as traded from now on (issue 19). The previous release stored
-- the vendor's split-adjusted REST bars under source 'polygon' (and raw ones under
-- 'polygon-unadjusted'). Nothing is dropped: the adjusted bars and coverage become
-- 'polygon-adjusted' (chronox_domain/legacy.py: rebased on first read or actions sync,
-- re-fetched raw as gaps), the raw ones 'polygon'. Bars are keyed on (symbol, start),
-- the source is a column: no renaming can conflict. legacy_basis records the moment up
-- to which they are adjusted (now: the old release kept its covered bars on the basis
-- of every split it knew of), only when there are any. The partial indexes find a
-- symbol's legacy rows without reading its bars, and are empty in a new store.
-- TimescaleDB updates compressed chunks in place (DML on compressed chunks, 2.11+),
-- past its default limit of 100,000 decompressed rows per transaction when told so.
SELECT set_config('timescaledb.max_tuples_decompressed_per_dml_transaction', '0', true)
WHERE current_setting('timescaledb.max_tuples_decompressed_per_dml_transaction', true)
      IS NOT NULL;
UPDATE bars_1m SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE bars_1m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
UPDATE bars_5m SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE bars_5m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
UPDATE bars_15m SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE bars_15m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
UPDATE bars_1h SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE bars_1h SET source = 'polygon' WHERE source = 'polygon-unadjusted';
UPDATE bars_1d SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE bars_1d SET source = 'polygon' WHERE source = 'polygon-unadjusted';
UPDATE coverage SET source = 'polygon-adjusted' WHERE source = 'polygon';
UPDATE coverage SET source = 'polygon' WHERE source = 'polygon-unadjusted';

CREATE INDEX bars_1m_legacy ON bars_1m (symbol, start)
    WHERE source IN ('polygon-adjusted', 'polygon-rebased');
CREATE INDEX bars_5m_legacy ON bars_5m (symbol, start)
    WHERE source IN ('polygon-adjusted', 'polygon-rebased');
CREATE INDEX bars_15m_legacy ON bars_15m (symbol, start)
    WHERE source IN ('polygon-adjusted', 'polygon-rebased');
CREATE INDEX bars_1h_legacy ON bars_1h (symbol, start)
    WHERE source IN ('polygon-adjusted', 'polygon-rebased');
CREATE INDEX bars_1d_legacy ON bars_1d (symbol, start)
    WHERE source IN ('polygon-adjusted', 'polygon-rebased');

CREATE TABLE legacy_basis (
    source text        PRIMARY KEY,
    as_of  timestamptz NOT NULL
);
INSERT INTO legacy_basis (source, as_of)
SELECT 'polygon-adjusted', now()
WHERE EXISTS (SELECT FROM coverage WHERE source = 'polygon-adjusted')
   OR EXISTS (SELECT FROM bars_1m WHERE source = 'polygon-adjusted')
   OR EXISTS (SELECT FROM bars_5m WHERE source = 'polygon-adjusted')
   OR EXISTS (SELECT FROM bars_15m WHERE source = 'polygon-adjusted')
   OR EXISTS (SELECT FROM bars_1h WHERE source = 'polygon-adjusted')
   OR EXISTS (SELECT FROM bars_1d WHERE source = 'polygon-adjusted');

-- The bookkeeping of the split-invalidation flow, removed with it.
DROP TABLE splits_applied;
