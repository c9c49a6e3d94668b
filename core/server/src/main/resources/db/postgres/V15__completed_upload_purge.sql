-- When a multipart upload was completed: its row answers a retried CompleteMultipartUpload for a
-- while (retention.idempotency_hours), then the retention purge removes it. Rows completed before
-- this column existed count from their creation.
ALTER TABLE storage_uploads ADD COLUMN completed_at BIGINT;
UPDATE storage_uploads SET completed_at = created_at WHERE completed_etag IS NOT NULL;
CREATE INDEX storage_uploads_completed ON storage_uploads (completed_at);
