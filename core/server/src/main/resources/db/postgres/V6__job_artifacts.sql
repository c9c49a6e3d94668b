-- What trainers produced besides the model, kept for the job page (validation images for now).
-- The files live under <state>/cloud/artifacts/<job id>/; a row exists only once its file is in place.
CREATE TABLE job_artifacts (
  artifact_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  step BIGINT,
  label TEXT,
  prompt TEXT,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX job_artifacts_job ON job_artifacts (job_id, created_at);
