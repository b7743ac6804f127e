-- Users keep only what the service needs: the WeChat openid (and unionid
-- when WeChat gives one), a nickname and a reference to an avatar.
CREATE TABLE users (
    id            text PRIMARY KEY,
    openid        text UNIQUE,
    unionid       text,
    nickname      text NOT NULL DEFAULT '',
    avatar_media_id text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_user_idx ON sessions(user_id);
CREATE INDEX sessions_expires_idx ON sessions(expires_at);
