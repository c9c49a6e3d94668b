-- The API key a sweep was made with (null: a session or the local owner). Its runs are submitted
-- with no more than that key may do, and stop being submitted once it is revoked or expired.
ALTER TABLE sweeps ADD COLUMN key_id TEXT;
