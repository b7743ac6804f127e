-- Idempotency-Key: wx.uploadFile retries after a timeout although the
-- first request may have arrived. The key a client sends with POST
-- /v1/media (and POST /v1/uploads) names one item (one upload) per user,
-- so a retry gets the same item instead of a second row and object. Keys
-- are cleared after a day by the retention task.
ALTER TABLE media ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX media_idempotency_key_idx ON media(owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE uploads ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX uploads_idempotency_key_idx ON uploads(owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
