-- The same bytes uploaded as a photo and as an avatar are two items: an
-- avatar must not be answered with the photo as its "duplicate".
DROP INDEX media_dedupe_idx;
CREATE UNIQUE INDEX media_dedupe_idx ON media(owner_id, coalesce(album_id, ''), kind, sha256)
    WHERE status IN ('processing','ready');
