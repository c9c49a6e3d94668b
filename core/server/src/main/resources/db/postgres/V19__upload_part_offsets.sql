-- Parts written in place (issue 20): a part of an upload's common size goes straight to its place in
-- the upload's data file, so that completing the upload joins nothing; NULL: a file of its own.
ALTER TABLE storage_upload_parts ADD COLUMN data_offset BIGINT;
