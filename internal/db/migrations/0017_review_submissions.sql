-- Where an item's content check (media.review, 0016) stands with WeChat:
-- the trace_id of the last submission (mediaCheckAsync answers it, and the
-- pushed result carries it back), how often it was submitted, and when it
-- was last submitted or queued, so the sweep can resubmit a check whose
-- result never came and give up after the configured number of tries.
ALTER TABLE media ADD COLUMN review_trace_id text;
ALTER TABLE media ADD COLUMN review_tries integer NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN review_submitted_at timestamptz;

-- The callback finds its item by trace_id; the sweep scans pending checks.
CREATE INDEX media_review_trace_idx ON media (review_trace_id) WHERE review_trace_id IS NOT NULL;
CREATE INDEX media_review_pending_idx ON media (review_submitted_at) WHERE review = 'pending';
