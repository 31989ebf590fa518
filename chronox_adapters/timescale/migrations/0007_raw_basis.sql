-- The store holds bars as traded from now on (issue 19). The previous release stored
-- the vendor's split-adjusted REST bars under source 'polygon' (and its live feed's
-- unadjusted minutes under the same name: they cannot be told apart), so they are
-- dropped, with their coverage, and re-fetched raw by the next ingest or backfill; the
-- raw 'polygon-unadjusted' series becomes 'polygon'. Reads never mix the two bases.
DELETE FROM bars_1m WHERE source = 'polygon';
UPDATE bars_1m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM bars_5m WHERE source = 'polygon';
UPDATE bars_5m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM bars_15m WHERE source = 'polygon';
UPDATE bars_15m SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM bars_1h WHERE source = 'polygon';
UPDATE bars_1h SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM bars_1d WHERE source = 'polygon';
UPDATE bars_1d SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM coverage WHERE source = 'polygon';
UPDATE coverage SET source = 'polygon' WHERE source = 'polygon-unadjusted';
DELETE FROM splits_applied;
