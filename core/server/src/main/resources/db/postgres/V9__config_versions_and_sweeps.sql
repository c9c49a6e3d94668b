-- Config versions, and sweeps (below).
-- Every save of a named config is kept as an immutable version, numbered from 1 per name. The
-- numbering goes on after a config is deleted and made again, so a job's recorded version never
-- comes to mean another config. Configs saved before versions existed become their version 1.
CREATE TABLE config_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  dataloader_config TEXT NOT NULL,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  message TEXT,
  restored_from INTEGER,
  PRIMARY KEY (name, version)
);
INSERT INTO config_versions (name, version, description, config, dataloader_config, created_by, created_at, message)
  SELECT name, 1, description, config, dataloader_config, owner_id, updated_at, 'Saved before configs had versions'
  FROM configs;

-- Sweeps: one base config (pinned as it was when the sweep was made) and N runs of overrides. The
-- runs wait here and are submitted as others end, by whichever instance holds the sweeps lease, so
-- a restart loses none; each run's job carries an idempotency key derived from the sweep, so a run
-- submitted again after a crash finds its job instead of making a second one.
CREATE TABLE sweeps (
  sweep_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  name TEXT,
  provider TEXT NOT NULL,
  base TEXT NOT NULL,
  max_concurrent INTEGER NOT NULL,
  continue_on_error INTEGER NOT NULL,
  metric TEXT NOT NULL,
  status TEXT NOT NULL,
  idem_key TEXT,
  request_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sweeps_owner_key ON sweeps (owner_id, idem_key);
CREATE INDEX sweeps_status ON sweeps (status);
CREATE TABLE sweep_runs (
  sweep_id TEXT NOT NULL,
  run_index INTEGER NOT NULL,
  overrides TEXT NOT NULL,
  status TEXT NOT NULL,
  job_id TEXT,
  error TEXT,
  submitted_at BIGINT,
  PRIMARY KEY (sweep_id, run_index)
);
