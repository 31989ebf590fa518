-- Empty answers are believed only when a second one agrees: a span answered empty once
-- is 'unconfirmed', with the moment of that answer, until its recheck.
ALTER TABLE coverage DROP CONSTRAINT coverage_status_check;
ALTER TABLE coverage ADD CONSTRAINT coverage_status_check
    CHECK (status IN ('final', 'provisional', 'unconfirmed'));
ALTER TABLE coverage ADD COLUMN answered_at timestamptz;
