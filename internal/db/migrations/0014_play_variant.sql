-- A video's play variant: H.264/AAC MP4 at most 1280 on the long edge, made
-- after the item is ready (the stripped original and poster come first).
-- pending -> ready (transcoded) | original (already plays everywhere) |
-- failed (play_fail_reason; the stripped original stays served). NULL for
-- everything but ready videos.
ALTER TABLE media ADD COLUMN play_status text
    CHECK (play_status IN ('pending','ready','original','failed'));
ALTER TABLE media ADD COLUMN play_fail_reason text;
-- Videos made ready before this existed get theirs from the sweep.
UPDATE media SET play_status = 'pending' WHERE kind = 'video' AND status = 'ready';
CREATE INDEX media_play_pending_idx ON media(updated_at) WHERE play_status = 'pending';
