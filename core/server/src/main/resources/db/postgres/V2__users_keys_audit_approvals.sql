-- Accounts, API keys, the audit chain, approvals. Times are epoch milliseconds.
CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  email TEXT UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  is_active BIGINT NOT NULL DEFAULT 1,
  failed_logins BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT,
  max_concurrent_jobs BIGINT,
  cost_limit_amount DOUBLE PRECISION,
  cost_limit_period TEXT,
  session_epoch BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_login_at BIGINT
);

CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  expires_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  created_at BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  actor_id TEXT,
  actor_name TEXT,
  key_id TEXT,
  source_ip TEXT,
  target_type TEXT,
  target_id TEXT,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  entry_hash TEXT NOT NULL
);
CREATE INDEX audit_log_type ON audit_log (event_type, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

CREATE TABLE approval_rules (
  rule_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  condition_type TEXT NOT NULL,
  threshold TEXT NOT NULL,
  exempt_role TEXT,
  is_active BIGINT NOT NULL DEFAULT 1,
  created_by TEXT,
  created_at BIGINT NOT NULL
);

CREATE TABLE approval_requests (
  request_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  rule_ids TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  reviewed_by TEXT,
  reviewed_at BIGINT,
  notes TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX approval_requests_status ON approval_requests (status, expires_at);
