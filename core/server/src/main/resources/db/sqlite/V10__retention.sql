-- Retention: finished jobs are found by when they ended; audit entries by their age (in id order).
CREATE INDEX jobs_completed ON jobs (completed_at);
CREATE INDEX audit_log_created ON audit_log (created_at);
-- Where the audit chain starts once older entries were purged: the last purged entry's id and hash,
-- so verification links the first kept entry to it. One row (id 1) at most.
CREATE TABLE audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL,
  last_hash TEXT NOT NULL,
  purged INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
