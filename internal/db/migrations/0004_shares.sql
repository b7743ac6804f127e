-- Share links. Only the SHA-256 of a token is stored, and only a hash of
-- an optional password. album_id and media_id carry no foreign key on
-- purpose: when an album is dissolved or an item deleted, the link row
-- stays (until retention purges it) so its token answers 410 "gone", not
-- 404 "unknown".
CREATE TABLE shares (
    id              text PRIMARY KEY,
    token_hash      bytea NOT NULL UNIQUE,
    album_id        text,
    media_id        text,
    created_by      text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash   bytea,
    allow_download  boolean NOT NULL DEFAULT false,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((album_id IS NULL) <> (media_id IS NULL))
);
CREATE INDEX shares_creator_idx ON shares(created_by, created_at DESC);
CREATE INDEX shares_album_idx ON shares(album_id) WHERE album_id IS NOT NULL;
CREATE INDEX shares_media_idx ON shares(media_id) WHERE media_id IS NOT NULL;

-- Opens per link per day: a count and the day, nothing about who opened.
CREATE TABLE share_opens (
    share_id text NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    day      date NOT NULL,
    opens    int NOT NULL DEFAULT 0,
    PRIMARY KEY (share_id, day)
);
