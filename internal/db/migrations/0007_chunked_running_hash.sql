-- A running SHA-256 over the parts of a chunked upload received in order,
-- with each hashed part's ETag: completing an upload sent part by part then
-- needs no second read of the whole object. The ETags prove at completion
-- that the parts stored are the parts hashed (a re-sent part breaks it,
-- and completion falls back to reading the object once).
ALTER TABLE uploads ADD COLUMN hashed_parts int NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN hash_state bytea;
ALTER TABLE uploads ADD COLUMN hash_etags text[] NOT NULL DEFAULT '{}';
ALTER TABLE uploads ADD COLUMN format text;
