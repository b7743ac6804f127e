-- When a photo or video was taken, so albums can be browsed by day: the
-- EXIF DateTimeOriginal of a photo, the recorded creation time of a video,
-- read before stripping (the served bytes carry no date). Until processing
-- finds one, and when it finds none or an implausible one, it is the
-- upload time, and taken_at_source says which it is.
ALTER TABLE media ADD COLUMN taken_at timestamptz;
ALTER TABLE media ADD COLUMN taken_at_source text NOT NULL DEFAULT 'upload'
    CHECK (taken_at_source IN ('exif','video','upload'));
UPDATE media SET taken_at = created_at;
-- now() is the transaction's time: on insert taken_at equals created_at.
ALTER TABLE media ALTER COLUMN taken_at SET DEFAULT now(), ALTER COLUMN taken_at SET NOT NULL;
-- Timeline pages, keyset on (taken_at, id), like the upload-order ones.
CREATE INDEX media_album_taken_idx ON media(album_id, taken_at DESC, id DESC) WHERE album_id IS NOT NULL;
CREATE INDEX media_owner_taken_idx ON media(owner_id, taken_at DESC, id DESC);

-- A share link shows capture dates to its recipients only when its creator
-- chose so.
ALTER TABLE shares ADD COLUMN show_dates boolean NOT NULL DEFAULT false;
