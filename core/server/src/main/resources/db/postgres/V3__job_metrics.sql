-- Loss and learning rate per step, for the job's chart.
CREATE TABLE job_metrics (
  job_id TEXT NOT NULL,
  step BIGINT NOT NULL,
  loss DOUBLE PRECISION,
  learning_rate DOUBLE PRECISION,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, step)
);
