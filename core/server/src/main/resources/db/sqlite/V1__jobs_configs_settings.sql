-- Times are epoch milliseconds; JSON documents are stored as text.
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  job_type TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  config_name TEXT,
  tracker_run_name TEXT,
  hardware_profile TEXT,
  hardware_type TEXT,
  cost_per_second DOUBLE NOT NULL DEFAULT 0,
  cost_usd DOUBLE,
  estimated_cost_usd DOUBLE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  dispatched_at INTEGER,
  external_id TEXT,
  host_id TEXT,
  error_message TEXT,
  output_url TEXT,
  progress TEXT,
  config TEXT NOT NULL,
  dataloader_config TEXT NOT NULL,
  metadata TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX jobs_created ON jobs (created_at DESC, job_id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, job_id DESC);
CREATE INDEX jobs_owner_created ON jobs (owner_id, created_at DESC, job_id DESC);
CREATE INDEX jobs_provider_created ON jobs (provider, created_at DESC, job_id DESC);
CREATE INDEX jobs_type_created ON jobs (job_type, created_at DESC, job_id DESC);
CREATE INDEX jobs_external ON jobs (provider, external_id);
CREATE INDEX jobs_finished ON jobs (provider, status, completed_at DESC);

CREATE TABLE job_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE job_logs (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE configs (
  name TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  dataloader_config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE settings (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, name)
);

CREATE TABLE idempotency_keys (
  owner_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  job_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (owner_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);
