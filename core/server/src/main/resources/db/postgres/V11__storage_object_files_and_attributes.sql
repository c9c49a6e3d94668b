-- S3 conformance (issue 20): an object's file need not sit at <bucket>/<key> (folder markers "dir/",
-- "a//b", and "ckpt" beside "ckpt/x" cannot), so its place is recorded; what S3 keeps besides the
-- body (Cache-Control and the other stored headers, the flexible checksum, the part sizes of a
-- multipart object) is one JSON column. A completed upload keeps its row with the object's ETag, so
-- that a retried CompleteMultipartUpload answers as S3 does.
ALTER TABLE job_outputs ADD COLUMN file_path TEXT;
ALTER TABLE job_outputs ADD COLUMN attrs TEXT;
ALTER TABLE storage_uploads ADD COLUMN attrs TEXT;
ALTER TABLE storage_uploads ADD COLUMN completed_etag TEXT;
