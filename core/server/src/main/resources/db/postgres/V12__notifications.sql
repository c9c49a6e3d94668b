-- Notifications. Channels keep their settings as JSON whose secrets (SMTP password, webhook
-- secret, Slack URL) are sealed with the server's secret key. The outbox holds one row per message
-- derived from a job timeline entry: unique by (event, type, channel, recipient), so deriving an
-- entry again (after a restart, or on another instance) adds nothing. The cursor is how far the
-- timeline has been read. Each delivery attempt and its answer is kept.
CREATE TABLE notification_channels (
  id BIGSERIAL PRIMARY KEY,
  channel_type TEXT NOT NULL,
  name TEXT NOT NULL,
  is_enabled BIGINT NOT NULL,
  settings TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE notification_preferences (
  id BIGSERIAL PRIMARY KEY,
  user_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  channel_id BIGINT NOT NULL,
  is_enabled BIGINT NOT NULL,
  recipients TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, event_type, channel_id)
);

CREATE TABLE notification_outbox (
  id BIGSERIAL PRIMARY KEY,
  event_id BIGINT,
  event_type TEXT NOT NULL,
  channel_id BIGINT NOT NULL,
  job_id TEXT,
  user_id TEXT,
  recipient TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_status_code BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  delivered_at BIGINT,
  UNIQUE (event_id, event_type, channel_id, recipient)
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);

CREATE TABLE notification_attempts (
  outbox_id BIGINT NOT NULL,
  attempt BIGINT NOT NULL,
  attempted_at BIGINT NOT NULL,
  status_code BIGINT,
  error TEXT,
  latency_ms BIGINT NOT NULL,
  PRIMARY KEY (outbox_id, attempt)
);

CREATE TABLE notification_cursor (
  name TEXT PRIMARY KEY,
  last_event_id BIGINT NOT NULL
);

-- Notifications start with this migration: what the timeline held before is not announced, and
-- nothing written after it is missed, however late the first delivery pass runs.
INSERT INTO notification_cursor (name, last_event_id) SELECT 'timeline', COALESCE(MAX(id), 0) FROM job_events;
