-- Notifications. Channels keep their settings as JSON whose secrets (SMTP password, webhook
-- secret, Slack URL) are sealed with the server's secret key. The outbox holds one row per message
-- derived from a job timeline entry: unique by (event, type, channel, recipient), so deriving an
-- entry again (after a restart, or on another instance) adds nothing. The cursor is how far the
-- timeline has been read. Each delivery attempt and its answer is kept.
CREATE TABLE notification_channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_type TEXT NOT NULL,
  name TEXT NOT NULL,
  is_enabled INTEGER NOT NULL,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE notification_preferences (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  channel_id INTEGER NOT NULL,
  is_enabled INTEGER NOT NULL,
  recipients TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, event_type, channel_id)
);

CREATE TABLE notification_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id INTEGER,
  event_type TEXT NOT NULL,
  channel_id INTEGER NOT NULL,
  job_id TEXT,
  user_id TEXT,
  recipient TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER,
  UNIQUE (event_id, event_type, channel_id, recipient)
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);

CREATE TABLE notification_attempts (
  outbox_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  attempted_at INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  latency_ms INTEGER NOT NULL,
  PRIMARY KEY (outbox_id, attempt)
);

CREATE TABLE notification_cursor (
  name TEXT PRIMARY KEY,
  last_event_id INTEGER NOT NULL
);

-- Notifications start with this migration: what the timeline held before is not announced, and
-- nothing written after it is missed, however late the first delivery pass runs.
INSERT INTO notification_cursor (name, last_event_id) SELECT 'timeline', COALESCE(MAX(id), 0) FROM job_events;
