-- Deleting a media row checks the foreign keys that point at it: without
-- these indexes every deleted item would scan all users (avatars) and all
-- albums (covers).
CREATE INDEX users_avatar_idx ON users(avatar_media_id) WHERE avatar_media_id IS NOT NULL;
CREATE INDEX albums_cover_idx ON albums(cover_media_id) WHERE cover_media_id IS NOT NULL;
-- Bulk deletion walks an album's or a user's items in id order (keyset).
CREATE INDEX media_album_id_idx ON media(album_id, id) WHERE album_id IS NOT NULL;
CREATE INDEX media_owner_id_idx ON media(owner_id, id);
