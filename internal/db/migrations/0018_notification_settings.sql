-- Notifications gain what the inbox and WeChat subscribe messages need.
--
-- read_at: when the user marked the notice read (NULL: unread).
-- album_id: the album a new_items or member_joined notice is about, so the
-- client can open it. No foreign key: a notice outlives an album's
-- dissolution (it is purged by retention like every notice).
-- day: the day (China Standard Time) the notice was made; new_items is at
-- most one per user, album and day (the partial unique index).
-- push: the subscribe message of this notice. NULL: none is to be sent
-- (the user accepted no message of this kind); 'queued' until the send
-- task has run, then 'sent', 'refused' (WeChat 43101: the user refused or
-- used up the subscription), 'skipped' (nothing to send with any more: the
-- kind was switched off, no template, no openid) or 'failed'.
ALTER TABLE notifications ADD COLUMN read_at timestamptz;
ALTER TABLE notifications ADD COLUMN album_id text;
ALTER TABLE notifications ADD COLUMN day date NOT NULL DEFAULT (now() AT TIME ZONE 'Asia/Shanghai')::date;
ALTER TABLE notifications ADD COLUMN push text
    CHECK (push IN ('queued', 'sent', 'refused', 'skipped', 'failed'));
CREATE UNIQUE INDEX notifications_new_items_daily ON notifications (user_id, album_id, day)
    WHERE kind = 'new_items';
CREATE INDEX notifications_push_queued ON notifications (created_at) WHERE push = 'queued';
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- A kind a user switched off: neither an in-app notice nor a subscribe
-- message is made for it. No row: on.
CREATE TABLE notification_settings (
    user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL,
    enabled    boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- What wx.requestSubscribeMessage answered for a kind's template. WeChat's
-- one-time subscriptions allow one message per "accept", so credits counts
-- the accepts not yet used; a reject, a ban or a 43101 sets it to 0.
CREATE TABLE notification_subscriptions (
    user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        text NOT NULL,
    template_id text NOT NULL,
    credits     integer NOT NULL DEFAULT 0 CHECK (credits >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);
