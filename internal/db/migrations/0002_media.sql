-- Albums and their members: the group that may see members-visible items.
CREATE TABLE albums (
    id                 text PRIMARY KEY,
    owner_id           text NOT NULL REFERENCES users(id),
    title              text NOT NULL,
    cover_media_id     text,
    default_visibility text NOT NULL DEFAULT 'members'
                       CHECK (default_visibility IN ('only_me','members','link')),
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active','dissolving')),
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE album_members (
    album_id  text NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    user_id   text NOT NULL REFERENCES users(id),
    role      text NOT NULL CHECK (role IN ('owner','contributor','viewer')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (album_id, user_id)
);
CREATE INDEX album_members_user_idx ON album_members(user_id);

-- Media: one uploaded photo, avatar, cover or video. Processing state lives
-- here, not only in Redis, so a lost task can always be found and redone.
CREATE TABLE media (
    id           text PRIMARY KEY,
    owner_id     text NOT NULL REFERENCES users(id),
    kind         text NOT NULL CHECK (kind IN ('photo','avatar','cover','video')),
    status       text NOT NULL DEFAULT 'processing'
                 CHECK (status IN ('processing','ready','failed','deleting')),
    fail_reason  text,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    sha256       bytea NOT NULL,
    album_id     text REFERENCES albums(id),
    visibility   text NOT NULL CHECK (visibility IN ('only_me','members','link')),
    width        int,
    height       int,
    duration_ms  bigint,
    placeholder  text,
    served_type  text,
    attempts     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_owner_idx ON media(owner_id, created_at DESC, id DESC);
CREATE INDEX media_album_idx ON media(album_id, created_at DESC, id DESC) WHERE album_id IS NOT NULL;
CREATE INDEX media_status_idx ON media(status, updated_at) WHERE status IN ('processing','deleting');
-- Dedupe: the same user, the same bytes, the same album (or none) is one item.
CREATE UNIQUE INDEX media_dedupe_idx ON media(owner_id, coalesce(album_id, ''), sha256)
    WHERE status IN ('processing','ready');

ALTER TABLE users ADD CONSTRAINT users_avatar_fk
    FOREIGN KEY (avatar_media_id) REFERENCES media(id) ON DELETE SET NULL;
ALTER TABLE albums ADD CONSTRAINT albums_cover_fk
    FOREIGN KEY (cover_media_id) REFERENCES media(id) ON DELETE SET NULL;

-- Chunked, resumable uploads mapped onto S3 multipart uploads.
CREATE TABLE uploads (
    id          text PRIMARY KEY,
    owner_id    text NOT NULL REFERENCES users(id),
    media_id    text NOT NULL,
    kind        text NOT NULL,
    size_bytes  bigint NOT NULL,
    sha256      bytea,
    album_id    text REFERENCES albums(id),
    visibility  text,
    s3_upload_id text NOT NULL,
    object_key  text NOT NULL,
    part_size   bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX uploads_owner_idx ON uploads(owner_id);
CREATE INDEX uploads_expires_idx ON uploads(expires_at);
