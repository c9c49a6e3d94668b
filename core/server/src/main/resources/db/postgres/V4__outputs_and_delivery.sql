-- Files trainers sent home through the storage endpoint, their multipart uploads in progress, and
-- each job's delivery targets (a JSON array the delivery verticle alone writes).
CREATE TABLE job_outputs (
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  job_id TEXT NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT,
  metadata TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (bucket, object_key)
);
CREATE INDEX job_outputs_job ON job_outputs (job_id, object_key);

CREATE TABLE storage_uploads (
  upload_id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  object_key TEXT NOT NULL,
  content_type TEXT,
  metadata TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX storage_uploads_job ON storage_uploads (job_id);

CREATE TABLE storage_upload_parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);

ALTER TABLE jobs ADD COLUMN delivery TEXT;
