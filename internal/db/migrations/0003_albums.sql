-- Invitations: the way a mini-program user joins a group album. Only the
-- SHA-256 of the token is stored.
CREATE TABLE invites (
    id          text PRIMARY KEY,
    album_id    text NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('contributor','viewer')),
    created_by  text NOT NULL REFERENCES users(id),
    max_uses    int NOT NULL CHECK (max_uses > 0),
    uses        int NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invites_album_idx ON invites(album_id);

-- Notifications carry no content: a kind and, at most, an album title
-- snapshot is NOT kept (the album is gone when it is dissolved).
CREATE TABLE notifications (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications(user_id, created_at DESC);

-- Dissolution progress and, once done, the deletion receipt: counts and
-- times only, no title, no content. The album id is kept so its owner can
-- follow progress; nothing else about the album survives.
CREATE TABLE album_dissolutions (
    album_id        text PRIMARY KEY,
    owner_id        text REFERENCES users(id) ON DELETE SET NULL,
    items_total     int NOT NULL,
    items_deleted   int NOT NULL DEFAULT 0,
    objects_deleted bigint NOT NULL DEFAULT 0,
    rows_deleted    bigint NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

-- Listing an album newest first is keyset-paginated on (created_at, id).
CREATE INDEX media_album_visible_idx ON media(album_id, created_at DESC, id DESC)
    INCLUDE (owner_id, visibility, status) WHERE album_id IS NOT NULL;
