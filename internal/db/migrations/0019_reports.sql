-- Reports and takedown requests (package reports). Whoever can see an item
-- may report it: a signed-in user (reporter_id) or a link recipient
-- (link_id: the share link it came through; NULL reporter). The uploader
-- and the album owner read a report's reason, text and time, never who
-- sent it. No IP or other network detail is ever stored here.
--
-- An item's report_hold (0016) is recomputed from its unanswered reports
-- whenever one is added or answered, and hourly (reports:hold): a
-- 'shows_me' report unanswered past MEDIA_REPORT_GRACE, or 'inappropriate'
-- reports from MEDIA_REPORTS_HIDE_AFTER distinct reporters, hide the item.
--
-- Reports go with their item (ON DELETE CASCADE: deleting the item is the
-- other answer to a report) and with their reporter's account (account
-- deletion removes them explicitly, as users rows are only tombstoned). A
-- link purged by retention leaves its reports, without the link.
CREATE TABLE reports (
    id          text PRIMARY KEY,
    media_id    text NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    reporter_id text REFERENCES users(id) ON DELETE CASCADE,
    link_id     text REFERENCES shares(id) ON DELETE SET NULL,
    reason      text NOT NULL CHECK (reason IN ('shows_me', 'inappropriate', 'other')),
    text        text NOT NULL DEFAULT '' CHECK (char_length(text) <= 500),
    reply       text CHECK (char_length(reply) <= 500),
    answered_at timestamptz,
    -- Whether the uploader or the album owner answered: a role, not a person.
    answered_as text CHECK (answered_as IN ('uploader', 'album_owner')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((answered_at IS NULL) = (answered_as IS NULL))
);
CREATE INDEX reports_media_idx ON reports (media_id, created_at);
CREATE INDEX reports_link_idx ON reports (link_id) WHERE link_id IS NOT NULL;
-- One report per user, item and reason: reporting again returns it.
CREATE UNIQUE INDEX reports_reporter_idx ON reports (reporter_id, media_id, reason) WHERE reporter_id IS NOT NULL;
-- The hourly hold task finds removal requests past their grace.
CREATE INDEX reports_open_shows_me_idx ON reports (created_at) WHERE reason = 'shows_me' AND answered_at IS NULL;
-- Retention purges by age.
CREATE INDEX reports_created_idx ON reports (created_at);
