-- Answers before everything else: a missed-call callback or the answer to a patient's
-- yes must not queue behind a morning's backlog of reminders (the 90-second promise).
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 1;
UPDATE jobs SET priority = 0 WHERE kind IN ('missed_call_text', 'missed_call_call', 'offer_accept');
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (priority, due_at, id) WHERE state = 'pending';
CREATE INDEX jobs_next_due ON jobs (due_at) WHERE state = 'pending';
