-- Bytes promised to uploads whose bodies are still arriving, so parallel
-- uploads cannot pass the quota together: a reservation is taken, under a
-- per-user lock, before the first byte is stored and removed once the
-- upload is recorded or refused; one left by a crash expires and the sweep
-- removes it.
CREATE TABLE quota_reservations (
    id         text PRIMARY KEY,
    owner_id   text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    bytes      bigint NOT NULL CHECK (bytes >= 0),
    expires_at timestamptz NOT NULL
);
CREATE INDEX quota_reservations_owner_idx ON quota_reservations(owner_id);
CREATE INDEX quota_reservations_expires_idx ON quota_reservations(expires_at);
