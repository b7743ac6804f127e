-- Consent: which privacy policy version the user accepted, and when.
ALTER TABLE users ADD COLUMN policy_version text;
ALTER TABLE users ADD COLUMN policy_accepted_at timestamptz;
-- A deleted account leaves a tombstone with no personal data (openid,
-- unionid, nickname, avatar cleared), so the same WeChat account can sign
-- up fresh and foreign keys of receipts stay valid.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- Exports: a ZIP of everything a user uploaded plus their records.
CREATE TABLE exports (
    id          text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','ready','failed')),
    size_bytes  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX exports_user_idx ON exports(user_id);
CREATE INDEX exports_expires_idx ON exports(expires_at);

-- Deletion receipts: what categories were removed and how many, and when.
-- user_id is held only while the deletion runs and cleared when it ends;
-- a receipt contains no personal data and is kept one year.
CREATE TABLE deletion_receipts (
    id          text PRIMARY KEY,
    user_id     text REFERENCES users(id) ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running','done')),
    counts      jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

CREATE INDEX shares_dead_idx ON shares(coalesce(revoked_at, expires_at));
CREATE INDEX invites_expires_idx ON invites(expires_at);
CREATE INDEX share_opens_day_idx ON share_opens(day);
CREATE INDEX media_failed_idx ON media(updated_at) WHERE status = 'failed';
