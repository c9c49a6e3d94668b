-- Self-hosted GPU workers joined by the SimpleTuner worker agent. The token is kept only as its
-- SHA-256; labels are the ones given at creation (the agent reports none); gpu_info is what the
-- agent detected. current_job_id is unique, so a job is handed to one worker at a time; instance_id
-- is the server instance that holds the worker's event stream (the one that dispatches to it).
CREATE TABLE workers (
  worker_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  worker_type TEXT NOT NULL,
  status TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  owner_id TEXT,
  labels TEXT NOT NULL,
  gpu_info TEXT NOT NULL,
  current_job_id TEXT UNIQUE,
  dispatched_at INTEGER,
  last_heartbeat INTEGER,
  connected_at INTEGER,
  instance_id TEXT,
  base_url TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Each time a worker job was handed to a worker: by whom, when, how it ended and why.
CREATE TABLE job_attempts (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  worker_id TEXT NOT NULL,
  worker_name TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT,
  reason TEXT,
  PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;
