-- Universe scale (issue 20/22): a gap scan or a coverage matrix reads the spans of many
-- symbols overlapping a window ("end" > its start AND start < its end). The primary key
-- bounds that read only by start, so the last month of a ledger with years of day files
-- (a span per session) read every year before it; this index reads from the window on.
CREATE INDEX coverage_end ON coverage (symbol, timeframe, "end");
