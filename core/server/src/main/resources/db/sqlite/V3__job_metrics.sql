-- Loss and learning rate per step, for the job's chart.
CREATE TABLE job_metrics (
  job_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  loss DOUBLE,
  learning_rate DOUBLE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, step)
) WITHOUT ROWID;
