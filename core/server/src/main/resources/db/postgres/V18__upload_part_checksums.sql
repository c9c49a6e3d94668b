-- Multipart checksums (issue 20): an upload created with a checksum algorithm keeps each part's
-- checksum, so that CompleteMultipartUpload can check the list it is sent and make the object's
-- composite checksum, and GetObject ?partNumber= and GetObjectAttributes can answer a part's own.
ALTER TABLE storage_upload_parts ADD COLUMN checksum TEXT;
